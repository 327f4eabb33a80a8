// Package repository stores mamoc's metadata in SQLite and large content in a content-addressed blob store.
package repository
