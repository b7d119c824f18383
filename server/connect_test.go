package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// post makes one Connect call as a browser's fetch does: a JSON POST with
// the protocol's version header and the token, if any, in Authorization.
func post(t *testing.T, base, procedure, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+base+procedure, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connect-Protocol-Version", "1")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %d %q is no JSON: %v", procedure, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

// The server's HTTP port serves the API to browsers beside the site: a
// picker whose supervisor set a PIN signs in for a shift of --shift, gets
// a task and scans over Connect; the site's own pages still answer there.
func TestBrowsersOnTheHTTPPort(t *testing.T) {
	s := startServer(t, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo", "--demo-every", "0", "--shift", "8h")
	_, err := pb.NewSignInServiceClient(s.dial(t)).SetPin(bearer(s.tokens["supervisor"]),
		&pb.SetPinRequest{User: "ann", Pin: "482915", Role: pb.Role_ROLE_PICKER})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := post(t, s.httpAddr, pb.PickService_NextTask_FullMethodName, "", `{}`)
	if code != http.StatusUnauthorized {
		t.Errorf("NextTask without a token: HTTP %d, want 401", code)
	}
	before := time.Now()
	code, in := post(t, s.httpAddr, pb.SignInService_SignIn_FullMethodName, "", `{"user": "ann", "pin": "482915", "device": "TC52-01"}`)
	if code != http.StatusOK || in["token"] == nil || in["role"] != "ROLE_PICKER" {
		t.Fatalf("SignIn: HTTP %d %v", code, in)
	}
	exp, err := time.Parse(time.RFC3339Nano, in["expiresAt"].(string))
	if err != nil || exp.Before(before.Add(8*time.Hour)) || exp.After(time.Now().Add(8*time.Hour)) {
		t.Errorf("token expires at %v (%v), want 8 h after the sign-in", in["expiresAt"], err)
	}
	token := in["token"].(string)
	code, task := post(t, s.httpAddr, pb.PickService_NextTask_FullMethodName, token, `{}`)
	if code != http.StatusOK || task["task"] == nil {
		t.Fatalf("NextTask: HTTP %d %v", code, task)
	}
	// A task starts with a tote for each of its orders.
	code, ans := post(t, s.httpAddr, pb.PickService_ScanOne_FullMethodName, token, `{"scan": {"scanId": "tc52-1", "code": "TOTE-0001"}}`)
	if a, _ := ans["answer"].(map[string]any); code != http.StatusOK || a["verdict"] != "VERDICT_RIGHT" || a["reason"] != "TOTE_SET" {
		t.Errorf("ScanOne of the first tote: HTTP %d %v", code, ans)
	}
	resp, err := http.Get("http://" + s.httpAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the supervisor page beside the API: HTTP %d", resp.StatusCode)
	}
}
