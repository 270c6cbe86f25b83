// Package compat is what every compatible surface declares of itself, once, in its own
// package: its name, its ext namespace (validator and indexed paths), its serve flags and
// routes, its demo data and curl lines, and its share of seeded data. The list of
// surfaces (package compat/surfaces) is the only place that names them all; the server,
// the store's ext columns and counters, the native API's ext handling, serve --demo and
// seed are derived from it. README.md beside this file lists every route and says how to
// add a surface.
package compat

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"math/rand/v2"

	"projectd"
	"projectd/httpserver"
)

// Surface is one compatible surface.
type Surface struct {
	// Name is the surface's package name.
	Name string
	// Title is how people call the API: "TextKing".
	Title string
	// OpenAPI is the surface's OpenAPI 3.1 document (its openapi.json), served at
	// /api/openapi/<Name>.json.
	OpenAPI []byte
	// Ext is the surface's namespace of ext.
	Ext projectd.ExtNamespace
	// Flags declares the surface's own serve flags on fs (nil: none) and returns how to
	// register its routes once they are parsed.
	Flags func(fs *flag.FlagSet) Mount
	// Demo is what serve --demo loads and prints for the surface.
	Demo Demo
	// Seed returns the ext of one seeded project shaped for the surface; seed gives each
	// project the shape of one surface in turn.
	Seed func(rng *rand.Rand, i int) json.RawMessage
	// Views are the requests that fetch one project through the surface, one a format;
	// none when the surface cannot name the project (NAVER's outside a workspace). The
	// console shows each one's answer (ShowProject).
	Views func(p *projectd.Project) []View
	// Migrate pulls an account's projects out of a server of the surface's API (projectd
	// migrate --from Name); nil: the surface cannot be migrated from.
	Migrate *Migration
}

// Mount registers a surface's routes on the server's mux.
type Mount func(mux httpserver.Mux, env Env)

// Env is what serve gives every surface.
type Env struct {
	Store  Store
	Logger *slog.Logger
	// PublicURL is the origin links point to ("" for the request's own).
	PublicURL string
	// Throttle bounds each user's requests and each address's failed authentications
	// (nil: no bound); BearerAuth applies it, a surface with its own credentials too.
	Throttle *httpserver.Throttle
}

// Store is everything of the store that surfaces use; sqlstore.DB implements it.
type Store interface {
	projectd.ProjectService
	projectd.WorkspaceService
	projectd.OperationService
	projectd.TokenService
	projectd.CredentialService
	projectd.SessionService
}

// Demo is a surface's part of serve --demo: projects that the demo user ann owns, and the
// curl lines that show them.
type Demo struct {
	// Projects are created once, by ann, in a store without the demo's users; a workspace
	// they name is demo-studio.
	Projects []projectd.ProjectCreate
	// Lines returns the lines printed under the surface's title, issuing the credentials
	// they need.
	Lines func(ctx context.Context, d DemoEnv) ([]string, error)
}

// DemoEnv is what a surface's demo lines may use.
type DemoEnv struct {
	Store Store
	// Base is the server's origin, as curl lines use it.
	Base string
	// User is the demo user ann, and Token a bearer token of hers issued for this start.
	User  *projectd.User
	Token string
	// AsUser is a context in which the store acts as ann.
	AsUser context.Context
}

// Routes is a surface mounted without flags of its own.
func Routes(register func(mux httpserver.Mux, env Env)) func(*flag.FlagSet) Mount {
	return func(*flag.FlagSet) Mount { return register }
}

// Extensions are the ext namespaces of surfaces, checked and indexed.
func Extensions(surfaces []Surface) (*projectd.Extensions, error) {
	namespaces := make([]projectd.ExtNamespace, len(surfaces))
	for i, s := range surfaces {
		namespaces[i] = s.Ext
	}
	return projectd.NewExtensions(namespaces...)
}
