package floor

// nameOf is the name of an enumerated value, "unknown" out of range.
func nameOf[T ~int](names []string, v T) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return "unknown"
}

// parseName reads a name printed by nameOf; the zero value (unspecified) is
// never a valid name.
func parseName[T ~int](names []string, s string) (T, bool) {
	for i, n := range names {
		if i > 0 && n == s {
			return T(i), true
		}
	}
	return 0, false
}
