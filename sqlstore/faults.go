// Faults of a database server, as opposed to errors of a statement: a server that is
// down, shutting down, failing over or out of reach. A read meets one on a replica and is
// tried elsewhere; a request meets one on the primary and answers 503 with Retry-After.

package sqlstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"projectd"
)

// retryUnavailable is how long a caller is asked to wait when the database cannot take
// its request: a failover takes seconds.
const retryUnavailable = time.Second

// errUnavailable answers a request that the database cannot serve now.
func errUnavailable() error {
	return projectd.Unavailable(retryUnavailable, "the database is not available right now (restarting or failing over); try again shortly")
}

// isServerFault reports whether err says the server is gone rather than that a
// statement failed: no connection, a lost one, a server shutting down or not yet
// accepting connections, a standby refusing a write, a conflict with recovery, or a
// query cancelled because its server was taken out of rotation (errServerDown).
func isServerFault(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // admin shutdown, crash shutdown, cannot connect now
			pgErr.Code == "25006", // read-only transaction: a standby took a write, mid-failover
			pgErr.Code == "53300", // too many connections
			pgErr.Code == "40001" && strings.Contains(pgErr.Message, "conflict with recovery"): // a standby cancelled the query to replay
			return true
		}
		return false
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.Is(err, errServerDown) || errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// errServerDown is the cause of a query's context when its server is taken out of
// rotation while the query runs.
var errServerDown = errors.New("sqlstore: server taken out of rotation")

// faultRows and faultRow report a server fault met while reading as EUNAVAILABLE: what
// the PostgreSQL engine's reads return.
type faultRows struct {
	rows
	ctx context.Context
}

func (r faultRows) Err() error { return unavailableIf(r.ctx, r.rows.Err()) }

type faultRow struct {
	scanner
	ctx context.Context
}

func (r faultRow) Scan(dest ...any) error { return unavailableIf(r.ctx, r.scanner.Scan(dest...)) }

// unavailableIf turns a server fault into EUNAVAILABLE, for the caller's surface to
// answer 503 with Retry-After; other errors, and a request whose own context ended,
// pass unchanged.
func unavailableIf(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || projectd.ErrorCode(err) != projectd.EINTERNAL || !isServerFault(err) {
		return err
	}
	return errUnavailable()
}
