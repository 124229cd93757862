using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;

// A minimal API over HybridCache, whose L2 is the failover cache (a primary Redis and a backup), with
// the failover MCP tools at /mcp so that an operator's assistant can watch and steer this app's cache.
var builder = WebApplication.CreateBuilder(args);

// CacheFailover:Primary, CacheFailover:Backups:0, CacheFailover:Failover:<option>, ... (appsettings.json,
// environment variables such as CacheFailover__Primary, or the command line).
builder.Services.AddCacheFailover(builder.Configuration.GetSection("CacheFailover"))
                .AddRedis()
                .AddDistributedCache();
builder.Services.AddHybridCache();
builder.Services.AddCacheFailoverMcp();
builder.Services.AddSingleton<ProductStore>();

var app = builder.Build();

// How long this instance keeps a product in its own memory (HybridCache's L1); 0 reads L2 every time.
var localSeconds = app.Configuration.GetValue("Sample:LocalCacheSeconds", 30);
var entryOptions = localSeconds > 0
    ? new HybridCacheEntryOptions { LocalCacheExpiration = TimeSpan.FromSeconds(localSeconds), Expiration = TimeSpan.FromMinutes(10) }
    : new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache, Expiration = TimeSpan.FromMinutes(10) };

app.MapGet("/products/{id:int}", async (int id, HybridCache cache, ProductStore store, CancellationToken ct) =>
    await cache.GetOrCreateAsync($"product:{id}", (store, id), static (state, _) => ValueTask.FromResult(state.store.Get(state.id)), entryOptions, cancellationToken: ct)
        is { } product ? Results.Ok(product) : Results.NotFound());

app.MapPut("/products/{id:int}", async (int id, ProductInput input, HybridCache cache, ProductStore store, CancellationToken ct) =>
{
    var product = store.Put(id, input.Name);
    await cache.SetAsync($"product:{id}", product, entryOptions, cancellationToken: ct);
    return Results.Ok(product);
});

app.MapGet("/healthz", () => Results.Ok("ok"));

// Bound to loopback by default (appsettings.json); anywhere else, add authentication and .RequireAuthorization().
app.MapCacheFailoverMcp("/mcp");
app.Run();

/// <summary>A product as the API returns it; Version grows with every write.</summary>
public sealed record Product(int Id, string Name, long Version);

/// <summary>The body of a PUT.</summary>
public sealed record ProductInput(string Name);

/// <summary>The system of record the cache fronts (in memory here; a database in a real app).</summary>
public sealed class ProductStore
{
    private readonly ConcurrentDictionary<int, Product> _products = new();

    public Product? Get(int id) => _products.TryGetValue(id, out var product) ? product : null;

    public Product Put(int id, string name) =>
        _products.AddOrUpdate(id, _ => new Product(id, name, 1), (_, old) => new Product(id, name, old.Version + 1));
}
