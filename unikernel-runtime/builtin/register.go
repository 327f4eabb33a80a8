// Package builtin (directory unikernel-runtime/builtin) registers mamoc's built-in unikernel drivers;
// import it for its side effect: _ "github.com/mamoc-go/mamoc/unikernel-runtime/builtin".
package builtin

import (
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/gvisor"
	"github.com/mamoc-go/mamoc/unikernel-runtime/process"
)

func init() {
	unikernel.Register("process", func() (unikernel.Driver, error) { return process.New(process.Config{}) })
	unikernel.Register("gvisor", func() (unikernel.Driver, error) { return gvisor.New(gvisor.Config{}) })
}
