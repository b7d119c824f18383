package feed

import (
	"reflect"
	"testing"
)

// What the hub keeps per open order, and per closed order it still tells
// of or counts in the shift's figures, holds no pointer, so the collector
// neither marks nor scans it however many orders there are (a floor where
// nobody packs holds hundreds of thousands open), and each record stays
// within its size.
func TestPerOrderHoldsNoPointer(t *testing.T) {
	tests := []struct {
		v    any
		size uintptr // at most, in bytes
	}{
		{ord{}, 80},
		{change{}, 16},
		{wakeAt{}, 16},
		{queuedOrd{}, 24},
		{strent{}, 12},
		{shut{}, 64},
		{closedOrder{}, 8},
		{closing{}, 24},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.v)
		if p := pointerIn(typ); p != "" {
			t.Errorf("%v holds a pointer: %s", typ, p)
		}
		if got := typ.Size(); got > tt.size {
			t.Errorf("%v is %d bytes, want at most %d", typ, got, tt.size)
		}
	}
	var h Hub
	for _, f := range []struct {
		name string
		typ  reflect.Type
	}{
		{"pages", reflect.TypeOf(h.pages).Elem()}, {"dirty", reflect.TypeOf(h.dirty)}, {"raised", reflect.TypeOf(h.raised)},
		{"queue", reflect.TypeOf(h.queue)}, {"wakes", reflect.TypeOf(h.wakes)}, {"changes", reflect.TypeOf(h.changes)},
		{"ids.arena", reflect.TypeOf(h.ids.arena)}, {"ids.ents", reflect.TypeOf(h.ids.ents)}, {"ids.index", reflect.TypeOf(h.ids.index)},
		{"shuts", reflect.TypeOf(h.shuts)}, {"closings", reflect.TypeOf(h.closings)}, {"closedDue", reflect.TypeOf(h.closedDue)},
	} {
		if p := pointerIn(f.typ.Elem()); p != "" {
			t.Errorf("Hub.%s holds pointers: %s", f.name, p)
		}
	}
}

// pointerIn names a field of typ that is or holds a pointer, or is "".
func pointerIn(typ reflect.Type) string {
	switch typ.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return typ.String()
	case reflect.Array:
		return pointerIn(typ.Elem())
	case reflect.Struct:
		for i := range typ.NumField() {
			if p := pointerIn(typ.Field(i).Type); p != "" {
				return typ.Field(i).Name + " " + p
			}
		}
	}
	return ""
}
