package printing

import "testing"

// "paper": true makes a station's user a paper picker; the default entry
// sets it for everyone without their own; a ZPL printer takes the sheet
// as labels.
func TestConfigPaper(t *testing.T) {
	c, err := ParseConfig([]byte(`{"default": {"kind": "spool", "dir": "d", "paper": true},
		"stations": {"ann": {"kind": "spool", "dir": "a", "paper": true}, "pk1": {"kind": "tcp", "addr": "p:9100"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user string
		want bool
	}{{"ann", true}, {"pk1", false}, {"bob", true}} {
		if got := c.Paper(tc.user); got != tc.want {
			t.Errorf("Paper(%s) = %v, want %v", tc.user, got, tc.want)
		}
	}
	if (Config{}).Paper("ann") {
		t.Error("no configuration: nobody picks from paper")
	}
	z, err := ParseConfig([]byte(`{"default": {"kind": "spool", "dir": "d"}, "stations": {"ann": {"kind": "tcp", "addr": "z:9100", "format": "zpl", "paper": true}}}`))
	if err != nil || !z.Paper("ann") {
		t.Errorf("paper picking on a ZPL printer: %v, paper %v; want accepted", err, z.Paper("ann"))
	}
}
