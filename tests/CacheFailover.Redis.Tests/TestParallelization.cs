// The tests of this project judge timing against real redis-servers (probe baselines, failure within a
// deadline, connection events within a second). Run side by side, the topology tests (Sentinel, Cluster,
// TLS) load a 2-core machine enough to trip the slowness trigger of a healthy primary, so the classes run
// one after another.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
