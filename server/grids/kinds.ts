import { type Static, Type } from 'typebox'

// The kinds of grid (docs/design.md): comprehensive grids tile a community; dedicated grids are
// units inside it; micro grids subdivide a comprehensive grid. One schema for every API shape,
// check and type that names them (the tables check the same list in their migrations).

export const GridKind = Type.Union([Type.Literal('comprehensive'), Type.Literal('dedicated'), Type.Literal('micro')])
export type GridKind = Static<typeof GridKind>

export const GRID_KINDS: readonly GridKind[] = GridKind.anyOf.map((literal) => literal.const)

export const isGridKind = (value: unknown): value is GridKind => (GRID_KINDS as readonly unknown[]).includes(value)
