package api

import (
	"strconv"

	"projectd"
	"projectd/httpserver"
)

// Projects are encoded by appending to a byte slice rather than through encoding/json's
// reflection: the list path writes many per request (BenchmarkEncodeProjects compares).

const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func appendProject(b []byte, p *projectd.Project) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"uid":`...)
	b = httpserver.AppendString(b, p.UID)
	b = append(b, `,"name":`...)
	b = httpserver.AppendString(b, p.Name)
	b = append(b, `,"description":`...)
	b = httpserver.AppendString(b, p.Description)
	b = append(b, `,"status":`...)
	b = httpserver.AppendString(b, p.Status)
	b = append(b, `,"owner":{"id":`...)
	b = strconv.AppendInt(b, p.Owner.ID, 10)
	b = append(b, `,"uid":`...)
	b = httpserver.AppendString(b, p.Owner.UID)
	b = append(b, `,"login":`...)
	b = httpserver.AppendString(b, p.Owner.Login)
	b = append(b, `},"workspace":`...)
	if p.Workspace == "" {
		b = append(b, "null"...)
	} else {
		b = httpserver.AppendString(b, p.Workspace)
	}
	b = append(b, `,"created_at":`...)
	b = httpserver.AppendTime(b, p.CreatedAt, timeLayout)
	b = append(b, `,"updated_at":`...)
	b = httpserver.AppendTime(b, p.UpdatedAt, timeLayout)
	b = append(b, `,"created_by":`...)
	b = httpserver.AppendString(b, p.CreatedBy.Login)
	b = append(b, `,"updated_by":`...)
	b = httpserver.AppendString(b, p.UpdatedBy.Login)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, p.Version, 10)
	b = append(b, `,"ext":`...)
	if len(p.Ext) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, p.Ext...) // validated and compacted on write
	}
	return append(b, '}')
}
