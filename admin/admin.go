// Package admin is Latchkey's admin REST API under /admin/v1,
// authenticated with admin tokens (lka_...) that belong to one admin of
// one organization and carry that admin's role. Errors are JSON objects
// {"error": {"code": ..., "message": ...}} mapped in one place (errors.go).
package admin

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
)

// Prefix is where the admin API is mounted.
const Prefix = "/admin/v1"

// Options configure the admin API.
type Options struct {
	Store  directory.Store
	Hasher credential.Hasher
	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves the admin API.
type Handler struct {
	store  directory.Store
	hasher credential.Hasher
	log    *slog.Logger
	now    func() time.Time
}

// New builds the admin API.
func New(opts Options) *Handler {
	h := &Handler{store: opts.Store, hasher: opts.Hasher, log: opts.Logger, now: opts.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// Prefix implements server.Area.
func (h *Handler) Prefix() string { return Prefix }

// Mount implements server.Area: the whole admin surface.
func (h *Handler) Mount(g *echo.Group) {
	api := g.Group("", h.authenticate)
	api.GET("/outbox", h.handle(h.listOutbox), h.require(permReadSecrets))
	g.Any("/*", h.handle(func(echo.Context) error { return errNoRoute }))
}
