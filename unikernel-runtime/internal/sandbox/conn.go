package sandbox

import "io"

// Conn joins the agent's stdout (R, read) and stdin (W, write) into the task's connection.
type Conn struct {
	R io.ReadCloser
	W io.WriteCloser
}

// Read reads from the agent's stdout.
func (c *Conn) Read(p []byte) (int, error) { return c.R.Read(p) }

// Write writes to the agent's stdin.
func (c *Conn) Write(p []byte) (int, error) { return c.W.Write(p) }

// Close closes stdin, then stdout, and returns the error of closing stdin.
func (c *Conn) Close() error {
	err := c.W.Close()
	_ = c.R.Close()
	return err
}
