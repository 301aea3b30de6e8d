import { type Static, Type } from 'typebox'

// The account as GET /me and the login return it. Kept apart from the routes so the web
// client can import the type without the server's code.

export const Me = Type.Object({
  username: Type.String(),
  display_name: Type.String(),
  role: Type.String(),
  region_prefix: Type.String({ description: "region code prefix the account is scoped to ('' = all)" }),
  home_region: Type.Union([Type.String(), Type.Null()], { description: '12-digit code of the region to open on' }),
  notice_languages: Type.Array(Type.String(), {
    description: "languages the home region's rule profile asks notices in, e.g. ['zh', 'bo']",
  }),
})
/** `GET /me` and the login's `user` (the web client imports this type). */
export type MeResponse = Static<typeof Me>
