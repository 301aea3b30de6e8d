import { describe, expect, it } from 'vitest'
import { inRowOrder, interiorCell } from './assemble.js'
import { buildingSizes, placeBuildings } from './buildings.js'
import { nearestCell } from './county-shape.js'
import { communityClass, cutGrids, gridCount } from './divisions.js'
import { HexLattice } from './lattice.js'
import { buildingAddress, PlaceNames } from './naming.js'
import { Random } from './random.js'

// The demo generator's stages one by one, on a small lattice (generate.test.ts checks the whole
// county and pins its output).

const small = () => new HexLattice({ lon0: 113, lat0: 28.2, size: 110, halfWidth: 900, halfHeight: 800, jitter: 0.2, seed: 7 })

describe('demo generator stages', () => {
  it('sizes buildings: apartment blocks where dense, 1–3-household houses elsewhere', () => {
    const rng = new Random('sizes')
    for (let i = 0; i < 200; i++) {
      const town = buildingSizes(60, rng)
      // Blocks up to 96 households until within 6 of a target of 60 ± 20 %.
      const total = town.reduce((a, b) => a + b, 0)
      if (town.length > 0) expect(total > 42 && total < 78, `total ${total}`).toBe(true)
      expect(town.every((s) => s >= 6 && s <= 96)).toBe(true)
      const village = buildingSizes(3, rng)
      expect(village.every((s) => s >= 1 && s <= 3)).toBe(true)
      expect(village.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(Math.ceil(3 * 1.4))
    }
    expect(buildingSizes(0, rng)).toEqual([])
  })

  it('places buildings inside their cells and counts their households per cell', () => {
    const lattice = small()
    const cells = lattice.cells.map((c) => c.index)
    const { buildingsOf, households } = placeBuildings(lattice, cells, 7)
    expect([...buildingsOf.keys()]).toEqual(cells)
    for (const c of cells) {
      const { x, y } = lattice.cell(c)
      const list = buildingsOf.get(c) ?? []
      expect(households(c)).toBe(list.reduce((s, b) => s + b.households, 0))
      for (const b of list) expect(Math.hypot(b.x - x, b.y - y)).toBeLessThanOrEqual(0.5 * lattice.size)
    }
    expect(households(-1)).toBe(0)
  })

  it('classes communities by township kind, density and seat', () => {
    expect(communityClass('street', 1200, false)).toBe('111')
    expect(communityClass('street', 900, false)).toBe('112')
    expect(communityClass('seat', 400, false)).toBe('112')
    expect(communityClass('seat', 100, false)).toBe('220')
    expect(communityClass('town', 10, true)).toBe('121')
    expect(communityClass('town', 300, false)).toBe('122')
    expect(communityClass('xiang', 5000, true)).toBe('210')
    expect(communityClass('xiang', 5000, false)).toBe('220')
  })

  it('gives a community as many grids as keep them near the target, within ~215–480 households', () => {
    expect(gridCount(1080, '111', 100)).toBe(4)
    expect(gridCount(100, '220', 100)).toBe(1)
    expect(gridCount(970, '220', 100)).toBe(3)
    expect(gridCount(5000, '111', 3)).toBe(3)
  })

  it('cuts a community into grids that cover its cells once', () => {
    const lattice = small()
    const cells = lattice.cells.map((c) => c.index)
    const community = { township: 0, cells, households: 600, areaKm2: 1, urbanRural: '111' as const, containsSeat: false }
    const grids = cutGrids(lattice, [community], () => 5)
    expect(grids.length).toBe(gridCount(600, '111', cells.length))
    expect(grids.flatMap((g) => [...g.cells]).sort((a, b) => a - b)).toEqual(cells)
  })

  it('finds the nearest cell and the interior cell of a unit', () => {
    const lattice = small()
    const centre = nearestCell(lattice, 0, 0)
    expect(lattice.cell(centre)).toMatchObject({ x: 0, y: 0 })
    const ring = [centre, ...lattice.cell(centre).neighbours]
    expect(interiorCell(lattice, ring).index).toBe(centre)
    expect(nearestCell(lattice, 0, 0, new Set(lattice.cell(centre).neighbours))).not.toBe(centre)
  })

  it('numbers in reading order: rows north→south, west→east within a row', () => {
    const lattice = small()
    const at = (x: number, y: number) => lattice.cell(nearestCell(lattice, x, y))
    const items = [at(500, -500), at(-500, 500), at(500, 500), at(-500, -500)]
    expect(inRowOrder(lattice, items, (c) => c)).toEqual([items[1], items[2], items[3], items[0]])
  })

  it('names the seat community after its township, the others once each from the pools', () => {
    const names = new PlaceNames(new Random('names'))
    expect(names.community(3, false, true)).toBe('白沙村')
    expect(names.community(3, true, true)).not.toBe('白沙社区')
    const taken = Array.from({ length: 20 }, (_, i) => names.community(0, i % 2 === 0, false))
    expect(new Set(taken).size).toBe(20)
    expect(names.streets()).toHaveLength(3)
  })

  it('addresses 40 numbers a street in town and 45 a group in a village', () => {
    const streets = ['人民路', '建设路', '解放路']
    expect(buildingAddress('白沙镇', '白沙社区', true, streets, 40)).toBe('示范县白沙镇白沙社区人民路40号')
    expect(buildingAddress('白沙镇', '白沙社区', true, streets, 41)).toBe('示范县白沙镇白沙社区建设路41号')
    expect(buildingAddress('白沙镇', '荷塘村', false, streets, 46)).toBe('示范县白沙镇荷塘村2组46号')
  })
})
