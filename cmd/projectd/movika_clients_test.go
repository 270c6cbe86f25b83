package main

import (
	"fmt"
	"strings"
	"testing"
)

// What Studio Pro's clients send, replayed as HTTP clients of the documented API send it:
// axios's Accept (application/json, text/plain, */*), OkHttp's charset on the body's
// Content-Type, no Api-Version (it means 2.0), and paging that follows paging.after
// until it is left out.
func TestMovikaClientReplay(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		c := newMovika(t, s, "ann")
		for i := range 45 {
			s.create(c.token, fmt.Sprintf(`{"name":"film %02d"}`, i))
		}
		headers := []string{"Api-Key", c.appKey, "Authorization", "Bearer " + c.token, "Accept", "application/json, text/plain, */*"}
		seen, after, pages := map[float64]bool{}, "", 0
		for {
			path := "/studio-pro/my?limit=20"
			if after != "" {
				path += "&after=" + after
			}
			var page struct {
				Data   []map[string]any `json:"data"`
				Paging struct{ After, Before string }
			}
			r := s.do("GET", path, "", "", headers...)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, r.StatusCode, r.body)
			}
			r.json(t, &page)
			pages++
			for _, p := range page.Data {
				seen[p["id"].(float64)] = true
			}
			if page.Paging.After == "" {
				break
			}
			after = page.Paging.After
		}
		if len(seen) != 45 || pages != 3 {
			t.Fatalf("%d projects in %d pages, want 45 in 3", len(seen), pages)
		}
		// A session from an auth code, with OkHttp's Content-Type.
		code := strings.TrimSpace(s.cli("authcode", "create", "--login", "ann"))
		r := s.do("POST", "/accounts/identity/session", "", `{"auth_code":"`+code+`"}`,
			"Api-Key", c.appKey, "Content-Type", "application/json; charset=utf-8")
		if r.StatusCode != 200 {
			t.Fatalf("session: %d %s", r.StatusCode, r.body)
		}
		// What no route serves answers in the surface's shape, on both of its paths.
		s.do("GET", "/studio-pro/my/", "", "", headers...).movikaError(t, 404, 16000, "studio-pro")
		s.do("GET", "/accounts/identity", "", "", headers...).movikaError(t, 404, 1000, "accounts")
		r = s.do("POST", "/studio-pro/my", "", "", headers...)
		r.movikaError(t, 405, 16000, "studio-pro")
		if r.Header.Get("Allow") != "GET" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
		r = s.do("GET", "/accounts/token", "", "", headers...)
		r.movikaError(t, 405, 1000, "accounts")
		if r.Header.Get("Allow") != "POST" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
	})
}
