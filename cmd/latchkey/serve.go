package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/admin"
	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
	"github.com/latchkeyhq/latchkey/jobqueue"
	"github.com/latchkeyhq/latchkey/mailer"
	"github.com/latchkeyhq/latchkey/scim"
	"github.com/latchkeyhq/latchkey/server"
)

func runServe(ctx context.Context, env *cli, args []string) error {
	fs := newFlagSet(env, "serve", "serve [flags]")
	flags := settingsFlags(env, fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := requireNoArgs("serve", rest); err != nil {
		return err
	}
	cfg, log, err := loadConfig(env, flags, config.Needs{SecretKey: true})
	if err != nil {
		return err
	}
	// The key is resolved before anything else so a missing one stops the
	// server before it binds.
	hasher, err := newHasher(cfg, log)
	if err != nil {
		return err
	}
	tracer, traceURL, stopTracing, err := newTracing(env.getenv)
	if err != nil {
		return err
	}
	defer flushTraces(stopTracing, log)
	if tracer != nil {
		log.Info("tracing on: spans are exported over OTLP/HTTP", "endpoint", traceURL)
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	if cfg.MigrateOnStart {
		if _, err := migrate(ctx, store, log); err != nil {
			return err
		}
	} else if err := checkSchema(ctx, store); err != nil {
		return err
	}

	secrets, err := newSecrets(cfg, log)
	if err != nil {
		return err
	}
	inserts, err := newInserter(ctx, cfg, log, store)
	if err != nil {
		return err
	}
	inviter := newInviterOn(cfg, log, inserts, secrets)
	signingKey, err := downloadKey(cfg, log)
	if err != nil {
		return err
	}
	if err := checkExportDir(cfg.ExportDir); err != nil {
		return err
	}
	postman, closePostman, err := newPostman(ctx, cfg, log, store)
	if err != nil {
		return err
	}
	defer closePostman()
	registry := newRegistry()
	registry.MustRegister(collectors.NewDBStatsCollector(store.DB(), "latchkey"))
	claimMetrics := claim.NewMetrics(registry)
	postman = claim.CountPosts(postman, mailer.NewMetrics(registry))
	rates := rateLimits(store)
	adminArea := admin.New(admin.Options{Store: store, Hasher: hasher, Inviter: inviter, Jobs: inserts, Postman: postman,
		BaseURL: cfg.BaseURL.String(), SigningKey: signingKey, ExportDir: cfg.ExportDir, ExportTTL: cfg.ExportTTL, Logger: log,
		RatePerSecond: float64(cfg.AdminRateLimit), Rates: rates})
	workers := river.NewWorkers()
	claim.AddWorkers(workers, store, inviter, postman, claimMetrics)
	adminArea.AddWorkers(workers)
	runner, err := jobqueue.New(ctx, jobqueue.Options{Dialect: jobqueue.Dialect(store.Dialect()), DB: store.DB(),
		DatabaseURL: cfg.DatabaseDSN, Workers: workers, MaxWorkers: cfg.JobWorkers, StopTimeout: cfg.ShutdownTimeout,
		RescueAfter: cfg.JobRescueAfter, JobTimeout: jobTimeout(cfg.JobRescueAfter), Logger: log,
		Metrics: jobqueue.NewMetrics(registry, store.DB())})
	if err != nil {
		return err
	}
	if err := runner.Start(ctx); err != nil {
		return err
	}
	defer stopJobs(runner, cfg, log)

	scimArea := scim.New(scim.Options{
		Store: store, Hasher: hasher, BaseURL: cfg.BaseURL.String(), Logger: log,
		RatePerSecond: float64(cfg.ScimRateLimit), Burst: 2 * cfg.ScimRateLimit, Rates: rates,
		AccessTokenLifetime: cfg.OAuthTokenLifetime, Policy: inviter, Claims: inviter,
		Metrics: scim.NewMetrics(registry),
	})
	claimPages, err := newPages(cfg, log, store, inviter, secrets, claimMetrics)
	if err != nil {
		return err
	}
	adminConsole, err := newConsole(cfg, log, store, adminArea, claimPages, secrets, claimMetrics)
	if err != nil {
		return err
	}
	defer cleanSessions(ctx, log, claimPages, adminConsole)()
	srv := server.New(server.Options{
		Logger: log, DB: store, BodyLimit: cfg.BodyLimit, ShutdownTimeout: cfg.ShutdownTimeout,
		DrainDelay: cfg.ShutdownDrain, RequestTimeout: cfg.RequestTimeout,
		ReadHeaderTimeout: cfg.HTTPReadHeaderTimeout, ReadTimeout: cfg.HTTPReadTimeout,
		WriteTimeout: cfg.HTTPWriteTimeout, IdleTimeout: cfg.HTTPIdleTimeout,
		Metrics: metricsHandler(registry, log), Registerer: registry, TracerProvider: tracer,
		// The admin API comes before the console, whose prefix /admin
		// is also the start of the API's /admin/v1.
		Areas: append(append([]server.Area{scimArea, scimArea.TokenEndpoint(), adminArea}, claimPages.Areas()...), adminConsole),
	})
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("latchkey listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(),
		"database", string(cfg.Backend))
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	log.Info("latchkey stopped")
	return nil
}

// newRegistry is the process's metrics registry, with the Go runtime's
// and the process's own collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// jobTimeout bounds one run of a job (one minute), and stays under the
// rescue time so a running job is never taken for a dead one.
func jobTimeout(rescueAfter time.Duration) time.Duration {
	return min(time.Minute, rescueAfter/2)
}

// metricsHandler serves the registry at /metrics. A collector that
// fails (the job queue's depth while the database is away) is logged and
// left out; the rest of the scrape still answers.
func metricsHandler(registry *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{Registry: registry,
		ErrorHandling: promhttp.ContinueOnError, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)})
}

// flushTraces sends the spans still buffered, within a few seconds,
// after the server stopped.
func flushTraces(stop func(context.Context) error, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		log.Warn("flushing traces failed", "err", err)
	}
}

// rateLimits is where the rate limits' state lives: in the database on
// PostgreSQL, so that replicas enforce one limit between them, and in
// memory on SQLite, whose file only one process serves (no database
// write per request).
func rateLimits(store *gormstore.Store) directory.RateLimitStore {
	if store.Dialect() == gormstore.Postgres {
		return store
	}
	return directory.NewMemoryRates()
}

// stopJobs lets running jobs finish, within the shutdown timeout, after
// the HTTP server has stopped taking requests.
func stopJobs(runner *jobqueue.Queue, cfg config.Config, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := runner.Stop(ctx); err != nil {
		log.Error("stop background jobs", "err", err)
	}
}

// checkExportDir makes sure a configured export directory exists and
// takes files, so a wrong path stops the server at start, not the first
// export an hour later.
func checkExportDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("export_dir: %w", err)
	}
	f, err := os.CreateTemp(dir, ".latchkey-check-*")
	if err != nil {
		return fmt.Errorf("export_dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}
