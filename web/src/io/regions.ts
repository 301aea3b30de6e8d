import type { BBox, RegionProps } from '../api/types'
import { geometryBBox } from '../map/geometry'
import type { Session } from '../workspace/state'

/** Regions the import wizard and export menu offer: the home region, then its townships. */
export function ioRegions(session: Session): RegionProps[] {
  const { region, regions } = session
  const home: RegionProps = {
    code: region.code,
    name: region.name,
    level: region.level,
    parent_code: region.parent_code,
    urban_rural: region.urban_rural,
  }
  const townships = regions.features.map((f) => f.properties).filter((r) => r.level === 4 && r.code !== region.code)
  return [home, ...townships]
}

/** Longitude of the middle of the home region (its bbox, else its areas'), for the default Gauss-Krüger zone. */
export function homeLongitude(session: Session): number | null {
  const bbox = session.region.bbox ?? (geometryBBox(session.regions) as BBox | null)
  return bbox ? (bbox[0] + bbox[2]) / 2 : null
}
