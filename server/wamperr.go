package server

import (
	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/catalog"
)

// invokeError is err as the result of a procedure (catalog.WAMPError decides the URI).
func invokeError(err error) nxclient.InvokeResult {
	we := catalog.WAMPError(err)
	return nxclient.InvokeResult{Err: wamp.URI(we.URI), Args: wamp.List{we.Message}, Kwargs: we.Kwargs}
}

// errorText is err as MAMoC's result text.
func errorText(err error) string { return catalog.WAMPError(err).Text() }
