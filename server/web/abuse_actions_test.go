package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// post sends an action with the role's token (none for RoleUnspecified).
func (e *env) post(t *testing.T, path string, role floor.Role, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := e.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const jsonType = "application/json"

// Hostile and wrong requests to the supervisors' action routes: each is
// refused with the status and the field it names, and none changes the
// order, the picker or the history.
func TestAbuseActions(t *testing.T) {
	e := newEnv(t)
	e.submit(t, "O1", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	before := e.history(t)
	for _, tc := range []struct {
		name        string
		path        string
		role        floor.Role
		contentType string
		body        string
		status      int
		want        string // in the answer
	}{
		{"no token", "/api/orders/O1/cancel", floor.RoleUnspecified, jsonType, `{"reason":"x"}`, 401, "bearer"},
		{"a picker", "/api/orders/O1/cancel", floor.RolePicker, jsonType, `{"reason":"x"}`, 403, "picker"},
		{"a packer", "/api/orders/O1/priority", floor.RolePacker, jsonType, `{"reason":"x"}`, 403, "packer"},
		{"a picker takes a colleague off shift", "/api/pickers/ann/off-shift", floor.RolePicker, jsonType, `{"reason":"x"}`, 403, "picker"},
		{"form encoded", "/api/orders/O1/cancel", floor.RoleSupervisor, "application/x-www-form-urlencoded", "reason=x", 400, "body"},
		{"not JSON", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `reason=x`, 400, "body"},
		{"unknown field", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{"reason":"x","force":true}`, 400, "unknown field"},
		{"two objects", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{"reason":"x"}{"reason":"y"}`, 400, "one JSON object"},
		{"huge body", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{"reason":"` + strings.Repeat("a", 5000) + `"}`, 400, "more than 4096 bytes"},
		{"no reason", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{}`, 400, "reason"},
		{"blank reason", "/api/orders/O1/priority", floor.RoleSupervisor, jsonType, `{"reason":""}`, 400, "say why"},
		{"control characters", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{"reason":"ok\u0000\u001b[2J"}`, 400, "reason"},
		{"a reason too long", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{"reason":"` + strings.Repeat("é", 201) + `"}`, 400, "at most 200"},
		{"a bad order id", "/api/orders/O%201/cancel", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 400, "id"},
		{"an order id too long", "/api/orders/" + strings.Repeat("O", 65) + "/cancel", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 400, "id"},
		{"a picker name with a path", "/api/pickers/..%2Fetc/off-shift", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 400, "id"},
		{"a field the action does not take", "/api/orders/O1/cancel", floor.RoleSupervisor, jsonType, `{"reason":"x","picker":"ann"}`, 400, "picker"},
		{"reassign to no one", "/api/tasks/T000001/reassign", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 400, "picker"},
		{"reassign to a bad name", "/api/tasks/T000001/reassign", floor.RoleSupervisor, jsonType, `{"reason":"x","picker":"Ann Smith"}`, 400, "picker"},
		{"reprint at a path", "/api/orders/O1/reprint", floor.RoleSupervisor, jsonType, `{"reason":"x","station":"../../etc/passwd"}`, 400, "station"},
		{"an unknown order", "/api/orders/NOPE/cancel", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 404, "NOPE"},
		{"an unknown task", "/api/tasks/T999999/release", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 404, "T999999"},
		{"an unknown picker", "/api/pickers/nobody/off-shift", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 404, "nobody"},
		{"a supervisor is no picker", "/api/pickers/sue/off-shift", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 404, "sue"},
		{"reprint before packing", "/api/orders/O1/reprint", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 409, "packed"},
		{"put on shift someone on shift", "/api/pickers/ann/on-shift", floor.RoleSupervisor, jsonType, `{"reason":"x"}`, 409, "on shift"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, body := e.post(t, tc.path, tc.role, tc.contentType, tc.body)
			if got != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %q, want %d containing %q", got, body, tc.status, tc.want)
			}
		})
	}
	// GET is not an action.
	if resp, _ := e.get(t, "/api/orders/O1/cancel", floor.RoleSupervisor); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET of an action: %d, want 405", resp.StatusCode)
	}
	if o, err := e.st.Order("O1"); err != nil || o.State != floor.StateQueued || !o.RaisedAt.IsZero() {
		t.Errorf("O1 after the refused actions: %v %v raised %v", o.State, err, o.RaisedAt)
	}
	if after := e.history(t); len(after) != len(before) {
		t.Errorf("refused actions left history: %+v", after[len(before):])
	}
}

// Every action over HTTP as the page sends it, with who and why in the
// history.
func TestSupervisorActionsOverHTTP(t *testing.T) {
	e := newEnv(t)
	t.Cleanup(func() {
		if _, err := e.st.Audit(); err != nil {
			t.Errorf("audit: %v", err)
		}
	})
	if _, err := e.st.CreateToken("bob", floor.RolePicker); err != nil {
		t.Fatal(err)
	}
	e.submit(t, "O1", floor.OrderLine{SKU: e.skus[0], Quantity: 1})
	e.clock.advance(time.Second)
	e.submit(t, "O2", floor.OrderLine{SKU: e.skus[1], Quantity: 1})
	act := func(path, body, want string) {
		t.Helper()
		got, msg := e.post(t, path, floor.RoleSupervisor, jsonType, body)
		var res actionResult
		if got != http.StatusOK || json.Unmarshal([]byte(msg), &res) != nil || !strings.Contains(res.Message, want) {
			t.Fatalf("POST %s: %d %q, want 200 saying %q", path, got, msg, want)
		}
	}
	n := len(e.history(t))
	act("/api/orders/O2/priority", `{"reason":"VIP"}`, "next picker")
	task, ok, err := e.st.NextTask("ann")
	if err != nil || !ok || task.Orders[0].OrderID != "O2" {
		t.Fatalf("ann's task after raising O2: %+v %v %v", task, ok, err)
	}
	act("/api/tasks/"+task.ID+"/reassign", `{"reason":"ann on break","picker":"bob"}`, "from ann to bob")
	if got, _ := e.st.Task(task.ID); got.Picker != "bob" {
		t.Errorf("task %s is %s's, want bob's", task.ID, got.Picker)
	}
	act("/api/pickers/ann/off-shift", `{"reason":"break"}`, "off shift")
	resp, body := e.get(t, "/api/floor/off-shift", floor.RoleSupervisor)
	var off []offShiftJSON
	if resp.StatusCode != 200 || json.Unmarshal(body, &off) != nil || len(off) != 1 || off[0].Picker != "ann" || off[0].By != "sue" || off[0].Reason != "break" {
		t.Errorf("off shift list: %d %s", resp.StatusCode, body)
	}
	act("/api/pickers/ann/on-shift", `{"reason":"back"}`, "back on shift")
	act("/api/tasks/"+task.ID+"/release", `{"reason":"end of shift"}`, "Back in the queue: O2")
	act("/api/orders/O1/cancel", `{"reason":"customer called"}`, "cancelled")

	want := []string{"priority sue O2 VIP", "reassign sue " + task.ID + " ann on break", "off-shift sue ann break", "on-shift sue ann back",
		"release sue " + task.ID + " end of shift", "cancel sue O1 customer called"}
	var got []string
	for _, m := range e.history(t)[n:] {
		for _, w := range want {
			f := strings.SplitN(w, " ", 4)
			if m.Kind.String() == f[0] && m.User == f[1] && m.Ref == f[2] && strings.Contains(m.Note, f[3]) {
				got = append(got, w)
				break
			}
		}
	}
	if strings.Join(compact(got), "|") != strings.Join(want, "|") {
		t.Errorf("history of the actions:\n got %q\nwant %q", compact(got), want)
	}
}

// compact drops repeats in a row (a release gives back one reservation
// per stop, each its own movement).
func compact(list []string) []string {
	var out []string
	for _, s := range list {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}
