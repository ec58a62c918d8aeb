"""Where long work runs: in this process (``local``, the default) or as Ray tasks (``ray``) on a local
cluster MedLens starts or on an existing one. A sweep hands its trials to an executor; the executor ships the
shared inputs once, streams progress back, honours cancel, and hands each result to the caller, who writes it
to the store exactly as the local path does."""
