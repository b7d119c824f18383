package store

import (
	"reflect"
	"time"
)

// zeroFields lists the fields of v, at any depth, that hold their zero
// value; of a slice, its first element is looked into. A round-trip test
// whose fixture sets every field then fails when a field is added to a
// record's type and not to its encoding: the new field is zero in the
// fixture until someone sets it there, and then the round trip shows
// whether the record keeps it.
func zeroFields(v any) []string {
	var out []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch {
		case v.Type() == reflect.TypeFor[time.Time]():
			if v.Interface().(time.Time).IsZero() {
				out = append(out, path)
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(v.Field(i), path+"."+f.Name)
				}
			}
		case v.Kind() == reflect.Slice && v.Len() > 0:
			walk(v.Index(0), path+"[0]")
		case v.IsZero():
			out = append(out, path)
		}
	}
	walk(reflect.ValueOf(v), "")
	return out
}
