/* The CLI's MPI layer. The library knows no transport: it asks a core_shard
 * to gather per-chunk partial sums, and this file answers with one
 * MPI_Allgatherv. Built without MPI, runs are single-process and the
 * commands that need MPI say how to get it. */
#include "cli/mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(SYNRL_HAVE_MPI)
#include <mpi.h>
#endif

/* Started by mpirun (Open MPI, MPICH/PMI, PMIx)? A plain `synrl` never
 * initialises MPI, so it starts fast and needs no MPI runtime. */
static bool launched_by_mpirun(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

bool cli_mpi_available(void) {
#if defined(SYNRL_HAVE_MPI)
  return true;
#else
  return false;
#endif
}

int cli_mpi_init(int *argc, char ***argv) {
  if (!launched_by_mpirun()) return 0;
#if defined(SYNRL_HAVE_MPI)
  if (MPI_Init(argc, argv) != MPI_SUCCESS) {
    fprintf(stderr, "synrl: MPI_Init failed\n");
    return 1;
  }
  /* errors come back as codes; a rank that fails aborts the whole job
   * (cli_mpi_fail) rather than leave the others waiting */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return 0;
#else
  (void)argc;
  (void)argv;
  fprintf(stderr,
          "synrl: started by mpirun, but this synrl was built without MPI: install Open MPI "
          "(apt-get install libopenmpi-dev openmpi-bin) and rebuild (scripts/setup.sh)\n");
  return 1;
#endif
}

#if defined(SYNRL_HAVE_MPI)
static bool mpi_on(void) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}
#endif

int cli_mpi_rank(void) {
  int r = 0;
#if defined(SYNRL_HAVE_MPI)
  if (mpi_on()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
#endif
  return r;
}

int cli_mpi_size(void) {
  int n = 1;
#if defined(SYNRL_HAVE_MPI)
  if (mpi_on()) MPI_Comm_size(MPI_COMM_WORLD, &n);
#endif
  return n;
}

void cli_mpi_finish(int rc) {
#if defined(SYNRL_HAVE_MPI)
  if (!mpi_on()) return;
  if (rc != 0 && cli_mpi_size() > 1) {
    /* the other ranks may be waiting in a collective: end them too */
    fprintf(stderr, "synrl: rank %d failed (exit %d): aborting all %d ranks\n", cli_mpi_rank(), rc,
            cli_mpi_size());
    MPI_Abort(MPI_COMM_WORLD, rc);
  }
  MPI_Finalize();
#else
  (void)rc;
#endif
}

int cli_mpi_barrier(void) {
#if defined(SYNRL_HAVE_MPI)
  if (mpi_on() && MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS) return 1;
#endif
  return 0;
}

#if defined(SYNRL_HAVE_MPI)
static syn_status gather_mpi(void *ctx, double *parts, size_t n, syn_err *e) {
  core_shard *s = ctx;
  int P = s->size;
  int *counts = malloc(2 * (size_t)P * sizeof *counts), *displs = counts + P;
  if (!counts) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  for (int r = 0; r < P; r++) {
    size_t lo, hi;
    core_shard_range(s, r, n, &lo, &hi);
    counts[r] = (int)(hi - lo);
    displs[r] = (int)lo;
  }
  int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, parts, counts, displs, MPI_DOUBLE,
                          MPI_COMM_WORLD);
  int mine = counts[s->rank];
  free(counts);
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return syn_err_set(e, SYN_ERR_IO, "MPI_Allgatherv failed: %s", msg);
  }
  s->bytes_sent += (uint64_t)mine * sizeof(double);
  return SYN_OK;
}
#endif

int cli_mpi_shard(core_shard *s, long shards, const char *prog) {
  memset(s, 0, sizeof *s);
  s->rank = cli_mpi_rank();
  s->size = cli_mpi_size();
  s->shards = shards > 0 ? (int)shards : s->size;
  if (s->shards % s->size != 0) {
    if (s->rank == 0)
      fprintf(stderr, "%s: --shards %d: the number of processes (%d) must divide it\n", prog,
              s->shards, s->size);
    return 2;
  }
#if defined(SYNRL_HAVE_MPI)
  s->gather = gather_mpi;
  s->ctx = s;
#endif
  return 0;
}
