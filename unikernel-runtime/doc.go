// Package unikernel (directory unikernel-runtime) is mamoc's rich-unikernel runtime: the base image, the guest agent protocol, the Driver interface and the pool of warm instances.
package unikernel
