// Names and addresses of the demo county: community names from shuffled pools (each root used
// once, township roots kept for the seat communities), street names, people, building addresses.

import { COMMUNITY_ROOTS, GIVEN_NAMES, STREETS, SURNAMES, VILLAGE_ROOTS } from './names.js'
import { TOWNSHIPS } from './plan.js'
import type { Random } from './random.js'

/** Community and street names, drawn from one stream in the order they are asked for. */
export class PlaceNames {
  private readonly townshipRoots = TOWNSHIPS.map((t) => t.name.slice(0, 2))
  private readonly communityPool: string[]
  private readonly villagePool: string[]
  private readonly used = new Set<string>()

  constructor(private readonly rng: Random) {
    this.communityPool = rng.shuffle(COMMUNITY_ROOTS.filter((n) => !this.townshipRoots.includes(n)))
    this.villagePool = rng.shuffle(VILLAGE_ROOTS.filter((n) => !this.townshipRoots.includes(n)))
  }

  /** The name of a community of township `t`: the seat community takes the township's (白沙镇 → 白沙社区). */
  community(t: number, isUrban: boolean, containsSeat: boolean): string {
    const suffix = isUrban ? '社区' : '村'
    const root = this.townshipRoots[t] as string
    if (containsSeat && !this.used.has(root)) {
      this.used.add(root)
      return root + suffix
    }
    return this.take(isUrban ? this.communityPool : this.villagePool, suffix)
  }

  /** Three street names for an urban community's addresses. */
  streets(): string[] {
    return this.rng.shuffle(STREETS).slice(0, 3)
  }

  private take(pool: string[], suffix: string): string {
    for (;;) {
      const root = pool.shift()
      if (root === undefined) throw new Error('demo generator: name pool exhausted')
      if (this.used.has(root)) continue
      this.used.add(root)
      return root + suffix
    }
  }
}

export function personName(rng: Random): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN_NAMES)
}

/**
 * The address of the `number`th building (from 1) of a community: 40 numbers a street in town
 * (示范县…社区X路12号), 45 a group (组) in a village.
 */
export function buildingAddress(township: string, community: string, isUrban: boolean, streets: readonly string[], number: number): string {
  return isUrban
    ? `示范县${township}${community}${streets[Math.floor((number - 1) / 40) % streets.length]}${number}号`
    : `示范县${township}${community}${1 + Math.floor((number - 1) / 45)}组${number}号`
}
