/* MPI for the command line: data-parallel runs (`mpirun -n P synrl train`)
 * and sweeps. Everything here also works in a build without MPI, as one
 * process. */
#ifndef SYNRL_CLI_MPI_H
#define SYNRL_CLI_MPI_H

#include "synrl/core.h"

bool cli_mpi_available(void);
/* Initialises MPI only when started by mpirun; non-zero on failure. */
int cli_mpi_init(int *argc, char ***argv);
/* Finalises; with rc != 0 in a multi-process job, aborts every rank. */
void cli_mpi_finish(int rc);
int cli_mpi_rank(void);  /* 0 without MPI */
int cli_mpi_size(void);  /* 1 without MPI */
int cli_mpi_barrier(void);
/* This process's share of every batch: `shards` work units (0: one per
 * process), which the number of processes must divide. Prints and returns 2
 * on a bad value. */
int cli_mpi_shard(core_shard *s, long shards, const char *prog);

#endif
