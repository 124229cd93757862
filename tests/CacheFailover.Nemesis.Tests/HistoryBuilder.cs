using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Tests;

/// <summary>Hand-made histories: each call adds one operation with the times given (microseconds).</summary>
internal sealed class HistoryBuilder
{
    private readonly List<HistoryEntry> _entries = [];

    public IReadOnlyList<HistoryEntry> Entries => _entries;

    public HistoryEntry Write(string key, string value, long invoked, long completed, Outcome outcome = Outcome.Ok)
        => Add(OperationKind.Write, key, value, null, invoked, completed, outcome);

    public HistoryEntry Delete(string key, long invoked, long completed, Outcome outcome = Outcome.Ok)
        => Add(OperationKind.Delete, key, null, null, invoked, completed, outcome);

    public HistoryEntry Read(string key, string? value, long invoked, long completed)
        => Add(OperationKind.Read, key, value, null, invoked, completed, Outcome.Ok);

    public HistoryEntry Push(string key, string element, long invoked, long completed, Outcome outcome = Outcome.Ok)
        => Add(OperationKind.Push, key, element, null, invoked, completed, outcome);

    public HistoryEntry ReadList(string key, long invoked, long completed, params string[] elements)
        => Add(OperationKind.ListRead, key, null, elements.Length == 0 ? null : elements, invoked, completed, Outcome.Ok);

    private HistoryEntry Add(OperationKind kind, string key, string? value, IReadOnlyList<string>? elements, long invoked, long completed, Outcome outcome)
    {
        var entry = new HistoryEntry(_entries.Count + 1, 1, kind, key, value, elements, invoked, completed, outcome, outcome == Outcome.Ok ? null : "test");
        _entries.Add(entry);
        return entry;
    }
}
