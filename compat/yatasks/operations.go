package yatasks

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"projectd"
	"projectd/httpserver"
)

// Operation listing limits, as toloka-kit documents them: 50 by default, 500 at most.
const (
	defaultOperationLimit = 50
	maxOperationLimit     = 500
)

var operationParams = []string{"type", "status", "sort", "limit", "id_gt", "id_gte", "id_lt", "id_lte",
	"submitted_gt", "submitted_gte", "submitted_lt", "submitted_lte",
	"finished_gt", "finished_gte", "finished_lt", "finished_lte"}

// operationTypes are the types of Toloka's OpenAPI document; projectd records only
// PROJECT.ARCHIVE, and a filter on another type matches nothing.
var operationTypes = []string{"ANALYTICS", "POOL.ARCHIVE", "POOL.CLONE", "POOL.CLOSE", "POOL.OPEN",
	"PROJECT.ARCHIVE", "SOLUTION.AGGREGATE", "TASK.BATCH_CREATE", "TASK_SUITE.BATCH_CREATE",
	"TRAINING.ARCHIVE", "TRAINING.CLONE", "TRAINING.CLOSE", "TRAINING.OPEN", "USER_BONUS.BATCH_CREATE"}

var operationStatuses = []string{"PENDING", "RUNNING", "SUCCESS", "FAIL"}

var operationSortFields = map[string]string{
	"id": projectd.OperationSortID, "submitted": projectd.OperationSortSubmitted, "finished": projectd.OperationSortFinished,
}

// parseOperations turns the query string of GET /operations into the domain's query.
func parseOperations(values url.Values) (projectd.OperationQuery, validation) {
	v := validation{}
	q := projectd.OperationQuery{Limit: defaultOperationLimit}
	checkParams(values, operationParams, v)
	f := &q.Filter
	for name, dst := range map[string]*string{"type": &f.Type, "status": &f.Status} {
		if !values.Has(name) {
			continue
		}
		allowed := map[string][]string{"type": operationTypes, "status": operationStatuses}[name]
		if s := values.Get(name); slices.Contains(allowed, s) {
			*dst = s
		} else {
			v.add(name, "UNKNOWN_ENUM_VALUE", "%s must be one of %v", name, allowed)
		}
	}
	for name, dst := range map[string]*string{"id_gt": &f.IDGt, "id_gte": &f.IDGte, "id_lt": &f.IDLt, "id_lte": &f.IDLte} {
		if values.Has(name) {
			if s := values.Get(name); s != "" && projectd.CheckText(name, s) == nil {
				*dst = s
			} else {
				v.add(name, "INVALID_VALUE", "%s must be an operation id", name)
			}
		}
	}
	parseTimeBounds(values, "submitted", timeBounds{&f.SubmittedGt, &f.SubmittedGte, &f.SubmittedLt, &f.SubmittedLte}, v)
	parseTimeBounds(values, "finished", timeBounds{&f.FinishedGt, &f.FinishedGte, &f.FinishedLt, &f.FinishedLte}, v)
	parseSort(values, operationSortFields, &q.Sort, v)
	parseLimit(values, maxOperationLimit, &q.Limit, v)
	if len(v) > 0 {
		return q, v
	}
	return q, nil
}

func (h *Handler) handleListOperations(w http.ResponseWriter, r *http.Request) {
	q, bad := parseOperations(r.URL.Query())
	if bad != nil {
		h.invalid(w, r, bad)
		return
	}
	ops, more, err := h.store.FindOperations(r.Context(), q)
	if err != nil {
		h.error(w, r, err)
		return
	}
	b := append(make([]byte, 0, 320*len(ops)+32), `{"items":[`...)
	for i, op := range ops {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendOperation(b, op)
	}
	b = append(b, `],"has_more":`...)
	b = strconv.AppendBool(b, more)
	httpserver.WriteJSON(w, http.StatusOK, append(b, "}\n"...))
}

func (h *Handler) handleGetOperation(w http.ResponseWriter, r *http.Request) {
	op, err := h.store.FindOperation(r.Context(), r.PathValue("id"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpserver.WriteJSON(w, http.StatusOK, appendOperation(nil, op))
}

// handleOperationLog answers the log of an operation: projectd's operations (archiving a
// project) create no objects and have nothing to report, so their log is empty, as
// Toloka's is for operations other than batch creations.
func (h *Handler) handleOperationLog(w http.ResponseWriter, r *http.Request) {
	if _, err := h.store.FindOperation(r.Context(), r.PathValue("id")); err != nil {
		h.error(w, r, err)
		return
	}
	httpserver.WriteJSON(w, http.StatusOK, []byte("[]\n"))
}

func appendOperation(b []byte, op *projectd.Operation) []byte {
	b = append(b, `{"id":`...)
	b = httpserver.AppendString(b, op.ID)
	b = append(b, `,"type":`...)
	b = httpserver.AppendString(b, op.Type)
	b = append(b, `,"status":`...)
	b = httpserver.AppendString(b, op.Status)
	b = append(b, `,"submitted":`...)
	b = httpserver.AppendTime(b, op.Submitted, timeLayout)
	b = append(b, `,"started":`...)
	b = httpserver.AppendTime(b, op.Started, timeLayout)
	b = append(b, `,"finished":`...)
	b = httpserver.AppendTime(b, op.Finished, timeLayout)
	b = append(b, `,"progress":100,"parameters":{"project_id":"`...)
	b = strconv.AppendInt(b, op.ProjectID, 10)
	return append(b, `"},"details":{}}`...)
}
