// Package mobile (directory client-android/mobile) is the gomobile-bindable facade of the mamoc
// Go SDK: its exported API uses only strings, ints, float64s, bools, byte slices, errors, and
// simple structs and interfaces, so `gomobile bind` can turn it into a Java/Kotlin library.
package mobile
