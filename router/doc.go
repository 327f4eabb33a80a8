// Package router embeds the nexus WAMP router for mamoc: realm, transports, authentication, role-based authorization and meta API fixes for MAMoC clients.
package router
