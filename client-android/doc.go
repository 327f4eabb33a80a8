// Package client (directory client-android) is the phone-side Go SDK for mamoc, bindable with gomobile.
package client
