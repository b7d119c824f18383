package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
	"github.com/pickpack/pickpack/server/store"
)

// Actions are what a supervisor may do from the page (a *store.Store):
// the same store calls the gRPC API makes, each recorded in the history
// with who and why.
type Actions interface {
	ReleaseTask(by floor.User, taskID, reason string) (store.Released, error)
	ReassignTask(by floor.User, taskID, to, reason string) (floor.Task, string, error)
	CancelOrder(user, id, reason string) (floor.Order, error)
	Reprint(by floor.User, orderID, station, reason string) (floor.PrintJob, error)
	RaisePriority(by floor.User, orderID, reason string) (floor.Order, error)
	TakeOffShift(by floor.User, picker, reason string) (floor.OffShift, error)
	PutOnShift(by floor.User, picker, reason string) error
	OffShift() ([]floor.OffShift, error)
}

// maxActionBody bounds an action's JSON body: a reason of 200 characters
// (up to 800 bytes of UTF-8, more when escaped) and a name or two.
const maxActionBody = 4 << 10

// actionBody is what the page sends with an action. Fields an action does
// not use must be empty.
type actionBody struct {
	Reason  string `json:"reason"`
	Picker  string `json:"picker,omitempty"`  // reassign: who takes the task over
	Station string `json:"station,omitempty"` // reprint: where ("" where it printed last)
}

// actionResult is the answer to an action: what happened, in words the
// page shows as it is.
type actionResult struct {
	Message string `json:"message"`
}

// action is one supervisor action on the object named by the path value
// "id" (an order, a task or a picker, checked by rule), taking the fields
// of the body it lists.
type action struct {
	op     string
	rule   floor.IDKind
	fields []string // of actionBody besides reason: "picker", "station"
	do     func(s *Server, by floor.User, id string, b actionBody) (string, error)
}

func (s *Server) act(a action) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Actions == nil {
			s.fail(w, r, floor.E(a.op, floor.KindUnavailable, "actions are not served by this server"))
			return
		}
		id := r.PathValue("id")
		b, err := readAction(w, r, a.op)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var vs floor.Violations
		a.rule.Check(&vs, "id", id)
		floor.CheckReason(&vs, "reason", b.Reason)
		if slices.Contains(a.fields, "picker") {
			floor.IDUser.Check(&vs, "picker", b.Picker)
		} else if b.Picker != "" {
			vs.Add("picker", "not used by %s", a.op)
		}
		if slices.Contains(a.fields, "station") {
			if b.Station != "" {
				floor.IDUser.Check(&vs, "station", b.Station)
			}
		} else if b.Station != "" {
			vs.Add("station", "not used by %s", a.op)
		}
		if err := vs.Err(a.op); err != nil {
			s.fail(w, r, err)
			return
		}
		who, _ := r.Context().Value(callerKey{}).(callerOf)
		msg, err := a.do(s, who.user, id, b)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.Log.InfoContext(r.Context(), "supervisor action", "op", a.op, "id", id, "by", who.user.Name, "reason", b.Reason)
		s.writeJSON(w, actionResult{Message: msg})
	})
}

// readAction decodes an action's body: JSON, one object, known fields,
// at most maxActionBody bytes.
func readAction(w http.ResponseWriter, r *http.Request, op string) (actionBody, error) {
	var b actionBody
	bad := func(p string) error { return floor.Invalid(op, []floor.Violation{{Field: "body", Description: p}}) }
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return b, bad("send the fields as JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxActionBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return b, bad(fmt.Sprintf("more than %d bytes", maxActionBody))
		}
		return b, bad("not a JSON object of reason, picker, station: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return b, bad("one JSON object, nothing after it")
	}
	return b, nil
}

// endScans ends the open scan streams of a picker whose task was taken
// back, as the gRPC API does: their handheld learns it at once.
func (s *Server) endScans(picker, reason, msg string) {
	s.Streams.End(session.KindScan, picker, &floor.Error{Op: "scan", Kind: floor.KindConflict, Reason: reason, Msg: msg})
}

var (
	releaseTask = action{op: "release task", rule: floor.IDTask,
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			res, err := s.Actions.ReleaseTask(by, id, b.Reason)
			if err != nil {
				return "", err
			}
			out := res.Outcome
			if res.OldOwner != by.Name {
				s.endScans(res.OldOwner, "TASK_RELEASED", out.Message+" by "+by.Name)
			}
			msg := fmt.Sprintf("Task %s of %s released.", id, res.OldOwner)
			if len(out.Requeued) > 0 {
				msg += " Back in the queue: " + strings.Join(out.Requeued, ", ") + "."
			}
			if len(out.Kept) > 0 {
				msg += " Picked, for packing: " + strings.Join(out.Kept, ", ") + "."
			}
			var units int64
			for _, p := range out.PutBack {
				units += p.Units
			}
			if units > 0 {
				msg += fmt.Sprintf(" %d units to put back in their bins.", units)
			}
			return msg, nil
		}}
	reassignTask = action{op: "reassign task", rule: floor.IDTask, fields: []string{"picker"},
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			t, from, err := s.Actions.ReassignTask(by, id, b.Picker, b.Reason)
			if err != nil {
				return "", err
			}
			s.endScans(from, "TASK_REASSIGNED", "task "+t.ID+" was reassigned to "+t.Picker+" by "+by.Name)
			return fmt.Sprintf("Task %s handed from %s to %s.", t.ID, from, t.Picker), nil
		}}
	cancelOrder = action{op: "cancel order", rule: floor.IDOrder,
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			if _, err := s.Actions.CancelOrder(by.Name, id, b.Reason); err != nil {
				return "", err
			}
			return "Order " + id + " cancelled; its stock is released.", nil
		}}
	reprint = action{op: "reprint", rule: floor.IDOrder, fields: []string{"station"},
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			j, err := s.Actions.Reprint(by, id, b.Station, b.Reason)
			if err != nil {
				return "", err
			}
			if s.OnPrint != nil {
				s.OnPrint()
			}
			return fmt.Sprintf("Documents of %s queued at %s (job %d).", id, j.Station, j.ID), nil
		}}
	raisePriority = action{op: "raise priority", rule: floor.IDOrder,
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			if _, err := s.Actions.RaisePriority(by, id, b.Reason); err != nil {
				return "", err
			}
			return "Order " + id + " goes to the next picker asking for work.", nil
		}}
	offShift = action{op: "take off shift", rule: floor.IDUser,
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			if _, err := s.Actions.TakeOffShift(by, id, b.Reason); err != nil {
				return "", err
			}
			return id + " is off shift until put back or given a task.", nil
		}}
	onShift = action{op: "put on shift", rule: floor.IDUser,
		do: func(s *Server, by floor.User, id string, b actionBody) (string, error) {
			if err := s.Actions.PutOnShift(by, id, b.Reason); err != nil {
				return "", err
			}
			return id + " is back on shift.", nil
		}}
)

// offShiftJSON is a picker taken off shift, as the page lists them.
type offShiftJSON struct {
	Picker string    `json:"picker"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// offShiftList answers the pickers taken off shift.
func (s *Server) offShiftList(w http.ResponseWriter, r *http.Request) {
	if s.Actions == nil {
		s.fail(w, r, unavailable)
		return
	}
	list, err := s.Actions.OffShift()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []offShiftJSON{}
	for _, o := range list {
		out = append(out, offShiftJSON{Picker: o.Picker, At: o.At, By: o.By, Reason: o.Reason})
	}
	s.writeJSON(w, out)
}
