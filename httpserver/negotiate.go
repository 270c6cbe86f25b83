package httpserver

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Negotiate picks the offer the Accept header prefers, by quality and then by the order of
// offers; "" when it accepts none. No Accept header, or an empty one, takes the first offer.
func Negotiate(r *http.Request, offers ...string) string {
	accept := strings.TrimSpace(r.Header.Get("Accept"))
	if accept == "" {
		return offers[0]
	}
	best, bestQ := "", 0.0
	for _, offer := range offers {
		for _, part := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || !mediaMatch(mt, offer) {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			if q > bestQ {
				best, bestQ = offer, q
			}
		}
	}
	return best
}

func mediaMatch(pattern, offer string) bool {
	if pattern == "*/*" || pattern == offer {
		return true
	}
	if typ, ok := strings.CutSuffix(pattern, "/*"); ok {
		return strings.HasPrefix(offer, typ+"/")
	}
	return false
}
