/*
Copyright 2026 The mca-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package pcsim

import (
	"encoding/json"
	"strings"
)

// AnsweredCode returns the HTTP status and the error code ("" when the
// answer carried none) of the answer the simulator kept for a POST of the
// partner with the given MS-RequestId, the one a repeat of that request
// would be replayed. ok is false when no answer was kept (the POST was
// refused before reaching the endpoint, e.g. by the rate limit or for want
// of a token). It tells apart the POSTs of the request log by their code:
// a create refused with 600062 from one refused for another reason.
func (s *Server) AnsweredCode(partnerTenantID, requestID string) (status int, code string, ok bool) {
	s.mu.Lock()
	prev := s.idem[idemKey{partner: key(partnerTenantID), requestID: strings.ToLower(strings.TrimSpace(requestID))}]
	s.mu.Unlock()
	if prev == nil {
		return 0, "", false
	}
	var body struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(prev.resp.body, &body) == nil && len(body.Code) > 0 {
		code = strings.Trim(string(body.Code), `"`)
		if code == "null" {
			code = ""
		}
	}
	return prev.resp.status, code, true
}
