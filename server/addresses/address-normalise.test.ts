import { describe, expect, it } from 'vitest'
import {
  addressSimilarity,
  chineseNumeral,
  maskAddress,
  normaliseAddress,
  type RegionName,
  RegionNames,
  tokenise,
} from './address-normalise.js'

describe('chineseNumeral', () => {
  it.each([
    ['三', 3],
    ['十', 10],
    ['十二', 12],
    ['二十', 20],
    ['三十五', 35],
    ['一百零五', 105],
    ['两百', 200],
    ['一千二百三十四', 1234],
    ['二〇一', 201],
    ['一〇', 10],
    ['零', 0],
  ])('%s → %i', (text, value) => {
    expect(chineseNumeral(text)).toBe(value)
  })
  it('is null for non-numerals', () => {
    expect(chineseNumeral('')).toBeNull()
    expect(chineseNumeral('三星')).toBeNull()
  })
})

describe('normaliseAddress', () => {
  it.each([
    // full-width → half-width, ideographic space, case
    ['人民路１２号', '人民路12号'],
    ['人民路\u300012\u3000号', '人民路12号'],
    ['ａ座１０１室', 'A栋101室'],
    ['  人民路 12 号 ', '人民路12号'],
    // punctuation and bracketed remarks
    ['人民路12号（人民医院对面）', '人民路12号'],
    ['人民路12号(近地铁站)3栋', '人民路12号3栋'],
    ['人民路12号，3栋、2单元。', '人民路12号3栋2单元'],
    ['【新】人民路12号', '人民路12号'],
    // Chinese numerals in house numbers
    ['人民路十二号', '人民路12号'],
    ['人民路一百零五号', '人民路105号'],
    ['人民路十二号三号楼二单元三〇一室', '人民路12号3栋2单元301室'],
    ['幸福小区二栋一单元五〇二', '幸福小区2栋1单元502室'],
    ['青石村第三组四十五号', '青石村3组45号'],
    ['青石村第3组45号', '青石村3组45号'],
    ['城南巷五巷二号', '城南巷5巷2号'],
    ['三楼', '3楼'],
    // building markers unified
    ['人民路12号3号楼', '人民路12号3栋'],
    ['人民路12号3幢', '人民路12号3栋'],
    ['人民路12号3座', '人民路12号3栋'],
    ['人民路12号B座1201', '人民路12号B栋1201室'],
    ['人民路12号3栋2单元301房', '人民路12号3栋2单元301室'],
    // Shanghai lanes: 衖 is an old form of 弄
    ['南京东路100衖5号', '南京东路100弄5号'],
    ['南京东路一百弄五号', '南京东路100弄5号'],
    // leading zeros and bare trailing numbers
    ['人民路012号', '人民路12号'],
    ['人民路12', '人民路12号'],
    ['人民路12号3栋2单元301', '人民路12号3栋2单元301室'],
    ['12-3号', '12-3号'],
    ['人民路12—3号', '人民路12-3号'],
    // names with numerals that are not house numbers stay
    ['五一路二十号', '五一路20号'],
    ['三星村', '三星村'],
    ['九龙塘', '九龙塘'],
    // country prefix
    ['中国湖南省长沙市岳麓区麓山南路２号', '湖南省长沙市岳麓区麓山南路2号'],
    ['中华人民共和国北京市', '北京市'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseAddress(input)).toBe(expected)
  })

  it('is idempotent', () => {
    for (const text of ['人民路十二号三号楼二单元三〇一室', 'ａ座１０１房', '青石村第三组四十五号', '人民路12']) {
      const once = normaliseAddress(text)
      expect(normaliseAddress(once)).toBe(once)
    }
  })
})

const REGIONS: RegionName[] = [
  { prefix: '43', name: '湖南省', level: 1 },
  { prefix: '4301', name: '长沙市', level: 2 },
  { prefix: '430104', name: '岳麓区', level: 3 },
  { prefix: '430104007', name: '橘子洲街道', level: 4 },
  { prefix: '430104007001', name: '桔洲社区', level: 5 },
  { prefix: '45', name: '广西壮族自治区', level: 1 },
  { prefix: '99', name: '示范省', level: 1 },
  { prefix: '9901', name: '示范市', level: 2 },
  { prefix: '990101', name: '示范县', level: 3 },
  { prefix: '990101001', name: '城关镇', level: 4 },
  { prefix: '990101001001', name: '桂花社区', level: 5 },
  { prefix: '990101001002', name: '东湖社区', level: 5 },
  { prefix: '990101002', name: '青石乡', level: 4 },
  { prefix: '990101002001', name: '青石村', level: 5 },
]

describe('RegionNames.strip', () => {
  const names = new RegionNames(REGIONS)
  const strip = (text: string, scope = '990101') => names.strip(normaliseAddress(text), scope)

  it.each([
    ['示范县城关镇桂花社区人民路12号', '人民路12号', '990101001001'],
    ['示范省示范市示范县城关镇东湖社区人民路12号', '人民路12号', '990101001002'],
    ['示范省 示范市 示范县 城关镇 人民路12号', '人民路12号', '990101001'],
    ['示范城关镇人民路12号', '人民路12号', '990101001'],
    ['城关镇桂花社区居委会人民路12号', '人民路12号', '990101001001'],
    ['桂花居委会人民路12号', '人民路12号', '990101001001'],
    ['青石乡青石村委会3组45号', '3组45号', '990101002001'],
    ['人民路12号', '人民路12号', '990101'],
    // 桂花 alone is not a community name: 桂花路 is a street
    ['桂花路3号', '桂花路3号', '990101'],
    // a village of another township is not taken as a prefix of this one
    ['城关镇青石村1号', '青石村1号', '990101001'],
  ])('%s → %s in %s', (input, rest, region) => {
    expect(strip(input)).toEqual({ rest, regionPrefix: region })
  })

  it('takes the short forms of provinces, cities and counties', () => {
    expect(names.strip(normaliseAddress('湖南长沙岳麓区橘子洲街道办事处桔洲社区1号'), '')).toEqual({
      rest: '1号',
      regionPrefix: '430104007001',
    })
    expect(names.strip(normaliseAddress('广西南宁市民族大道1号'), '')).toEqual({ rest: '南宁市民族大道1号', regionPrefix: '45' })
  })

  it('does not strip names outside the scope, nor the whole address', () => {
    expect(names.strip(normaliseAddress('长沙市岳麓区1号'), '990101')).toEqual({ rest: '长沙市岳麓区1号', regionPrefix: '990101' })
    expect(strip('示范县城关镇')).toEqual({ rest: '城关镇', regionPrefix: '990101' })
  })
})

describe('addressSimilarity', () => {
  const s = (a: string, b: string) => addressSimilarity(tokenise(a), tokenise(b))
  it('is 1 only for equal addresses and weighs numbers more than name characters', () => {
    expect(s('人民路12号', '人民路12号')).toBe(1)
    expect(s('人民街12号', '人民路12号')).toBeGreaterThan(0.8)
    expect(s('人民路13号', '人民路12号')).toBeLessThan(0.6)
    expect(s('人民路12号', '人民路12号3栋')).toBeGreaterThan(s('人民路12号', '人民路13号3栋'))
    expect(s('', '')).toBe(0)
  })
})

describe('maskAddress', () => {
  it.each([
    ['示范县城关镇桂花社区人民路12号3栋', '示范县城关镇桂花社区人民路**号*栋'],
    ['人民路十二号三号楼', '人民路**号*号楼'],
    ['Ａ座１０１室', '*座***室'],
    ['青石村第三组四十五号', '青石村**组***号'],
  ])('%s → %s', (input, expected) => {
    expect(maskAddress(input)).toBe(expected)
  })
  it('caps the length', () => {
    expect(maskAddress('长'.repeat(60))).toBe(`${'长'.repeat(40)}…`)
  })
})
