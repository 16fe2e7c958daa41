package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/admin"
	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/config"
	"github.com/latchkeyhq/latchkey/jobqueue"
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
	adminArea := admin.New(admin.Options{Store: store, Hasher: hasher, Inviter: inviter, Jobs: inserts, Postman: postman,
		BaseURL: cfg.BaseURL.String(), SigningKey: signingKey, ExportDir: cfg.ExportDir, ExportTTL: cfg.ExportTTL, Logger: log})
	workers := river.NewWorkers()
	claim.AddWorkers(workers, store, inviter, postman, claim.NewMetrics(registry))
	adminArea.AddWorkers(workers)
	runner, err := jobqueue.New(ctx, jobqueue.Options{Dialect: jobqueue.Dialect(store.Dialect()), DB: store.DB(),
		DatabaseURL: cfg.DatabaseDSN, Workers: workers, MaxWorkers: cfg.JobWorkers, StopTimeout: cfg.ShutdownTimeout,
		RescueAfter: cfg.JobRescueAfter, JobTimeout: jobTimeout(cfg.JobRescueAfter), Logger: log})
	if err != nil {
		return err
	}
	if err := runner.Start(ctx); err != nil {
		return err
	}
	defer stopJobs(runner, cfg, log)

	scimArea := scim.New(scim.Options{
		Store: store, Hasher: hasher, BaseURL: cfg.BaseURL.String(), Logger: log,
		RatePerSecond: float64(cfg.ScimRateLimit), Burst: 2 * cfg.ScimRateLimit,
		AccessTokenLifetime: cfg.OAuthTokenLifetime, Policy: inviter, Claims: inviter,
	})
	claimPages, err := newPages(cfg, log, store, inviter, secrets)
	if err != nil {
		return err
	}
	adminConsole, err := newConsole(cfg, log, store, adminArea, claimPages, secrets)
	if err != nil {
		return err
	}
	defer cleanSessions(ctx, log, claimPages, adminConsole)()
	srv := server.New(server.Options{
		Logger: log, DB: store, BodyLimit: cfg.BodyLimit, ShutdownTimeout: cfg.ShutdownTimeout,
		DrainDelay: cfg.ShutdownDrain, RequestTimeout: cfg.RequestTimeout,
		// The admin API comes before the console, whose prefix /admin
		// is also the start of the API's /admin/v1.
		Areas:   append(append([]server.Area{scimArea, scimArea.TokenEndpoint(), adminArea}, claimPages.Areas()...), adminConsole),
		Metrics: promhttp.HandlerFor(registry, promhttp.HandlerOpts{Registry: registry}),
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
