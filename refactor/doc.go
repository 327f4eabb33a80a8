// Package refactor runs APK upload jobs: it parses an APK, finds offloadable methods and registers them as procedures.
package refactor
