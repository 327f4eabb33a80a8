// Package api (directory server/api) is mamoc's wire contract: every procedure, topic and
// error URI that mamoc-server offers, the kwargs and results of the mamoc.* procedures, the
// positional shapes of MAMoC's topics and task procedures, and the refactor job. The server,
// the router and the Go SDK take names and shapes from here and nowhere else, so that a name
// cannot change on one side only. It imports nothing else of mamoc.
//
// A request type has a Kwargs (or Args) method for the caller and a Parse function for the
// callee; a result type the other way round. Parsing accepts every number type the WAMP
// serializers (JSON, MessagePack, CBOR) decode to.
package api
