package movika_test

import (
	"fmt"
	"strings"
	"testing"

	"projectd/internal/testserver"
)

// What Studio Pro's clients send, replayed as HTTP clients of the documented API send it:
// axios's Accept (application/json, text/plain, */*), OkHttp's charset on the body's
// Content-Type, no Api-Version (it means 2.0), and paging that follows paging.after
// until it is left out.
func TestMovikaClientReplay(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		c := newMovika(t, s, "ann")
		for i := range 45 {
			s.Create(c.token, fmt.Sprintf(`{"name":"film %02d"}`, i))
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
			r := s.Do("GET", path, "", "", headers...)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, r.StatusCode, r.Body)
			}
			r.JSON(t, &page)
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
		code := strings.TrimSpace(s.CLI("authcode", "create", "--login", "ann"))
		r := s.Do("POST", "/accounts/identity/session", "", `{"auth_code":"`+code+`"}`,
			"Api-Key", c.appKey, "Content-Type", "application/json; charset=utf-8")
		if r.StatusCode != 200 {
			t.Fatalf("session: %d %s", r.StatusCode, r.Body)
		}
		// What no route serves answers in the surface's shape, on both of its paths.
		movikaError(t, s.Do("GET", "/studio-pro/my/", "", "", headers...), 404, 16000, "studio-pro")
		movikaError(t, s.Do("GET", "/accounts/identity", "", "", headers...), 404, 1000, "accounts")
		r = s.Do("POST", "/studio-pro/my", "", "", headers...)
		movikaError(t, r, 405, 16000, "studio-pro")
		if r.Header.Get("Allow") != "GET" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
		r = s.Do("GET", "/accounts/token", "", "", headers...)
		movikaError(t, r, 405, 1000, "accounts")
		if r.Header.Get("Allow") != "POST" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
	})
}
