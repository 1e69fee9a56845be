package loader

import (
	"context"
	"errors"
	"sync"

	"github.com/isola-run/isola/internal/loader/sandbox"
)

// Pool starts sandbox child processes. Goroutine-safe.
type Pool struct{}

var (
	defaultPoolOnce sync.Once
	defaultPool     *Pool
)

// DefaultPool is the process-wide pool.
func DefaultPool() *Pool {
	defaultPoolOnce.Do(func() { defaultPool = &Pool{} })
	return defaultPool
}

func (p *Pool) start(ctx context.Context, cfg sandbox.Config, host sandbox.Host) (conn, error) {
	return nil, errors.New("loader: process isolation not implemented yet")
}
