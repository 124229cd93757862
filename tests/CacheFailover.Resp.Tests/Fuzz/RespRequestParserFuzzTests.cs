using System.Globalization;
using CacheFailover.Resp.Commands;
using CacheFailover.Testing.Fuzz;
using Xunit.Abstractions;

namespace CacheFailover.Resp.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of the RESP request parser (docs/fuzzing.md): generated valid, mutated,
/// oversized and random streams, cut at random points into segments and reads. CI runs each property
/// on a fixed seed and a bounded number of cases; CACHEFAILOVER_FUZZ_ITERATIONS runs more.
/// </summary>
public sealed class RespRequestParserFuzzTests(ITestOutputHelper output)
{
    /// <summary>A case is a few kilobytes: even on a loaded machine it takes milliseconds, so a second's worth is a hang.</summary>
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(5);

    /// <summary>Allocation the parser may make whatever it is sent.</summary>
    private const long FixedAllowanceBytes = 16 * 1024;

    /// <summary>Allocation per byte taken into commands: the copy of the arguments, the line of an inline command, their slices.</summary>
    private const long PerConsumedByteAllowance = 16;

    /// <summary>Allocation per command read: the request, its arrays, the upper-case name of an unknown command.</summary>
    private const long PerCommandAllowance = 512;

    private static readonly RespCommandTable Table = new();

    [Fact]
    public void TryParse_ValidCommandsCutAtRandomPoints_ReadsEveryCommandWhole()
    {
        var summary = FuzzRun.Check(RespFuzzInputs.ValidStreams, 3000, CaseLimit, c =>
        {
            var outcome = ParserFeed.Run(c.Input, Table, keepRequests: true);

            Assert.Null(outcome.ProtocolError);
            Assert.Equal(0, outcome.Unconsumed);
            Assert.Equal(c.Frames.Length, outcome.Requests.Count);
            for (var i = 0; i < c.Frames.Length; i++)
            {
                var (frame, request) = (c.Frames[i], outcome.Requests[i]);
                Assert.Equal(frame.ExpectedName(Table), request.Name);
                Assert.Equal(Table.Find(frame.ExpectedName(Table)), request.Spec);
                Assert.Equal(frame.Arguments.Length, request.Arguments.Length);
                for (var a = 0; a < frame.Arguments.Length; a++)
                {
                    Assert.True(frame.Arguments[a].AsSpan().SequenceEqual(request.Arguments[a].Span), $"argument {a} of command {i} differs");
                }
            }
        }, c => c.Input.ToString());

        output.WriteLine(summary.ToString());
    }

    [Fact]
    public void TryParse_MutatedRandomAndOversizedBytes_OnlyReadsCommandsNeedsMoreOrSaysProtocolError()
    {
        long worstAllocated = 0;
        var summary = FuzzRun.Check(RespFuzzInputs.HostileStreams, 6000, CaseLimit, input =>
        {
            // Any exception other than the parser's own statuses fails the case (ParserFeed checks each call).
            var outcome = ParserFeed.Run(input, Table, keepRequests: false);

            var consumed = input.Bytes.Length - outcome.Unconsumed;
            var allowance = FixedAllowanceBytes + (PerConsumedByteAllowance * consumed) + (PerCommandAllowance * outcome.Commands);
            Assert.True(outcome.AllocatedBytes <= allowance, $"the parser allocated {outcome.AllocatedBytes} bytes for {input.Bytes.Length} bytes sent ({consumed} taken into {outcome.Commands} commands); at most {allowance}");
            Interlocked.Exchange(ref worstAllocated, Math.Max(worstAllocated, outcome.AllocatedBytes));
        }, input => input.ToString());

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{summary}; most allocated in one case: {worstAllocated} bytes"));
    }

    [Fact]
    public void TryParse_DeclaredCountsAndLengthsUpTo2Pow63_AllocateNothingLikeThem()
    {
        var summary = FuzzRun.Check(RespFuzzInputs.OversizedStreams, 500, CaseLimit, input =>
        {
            var outcome = ParserFeed.Run(input, Table, keepRequests: false);

            Assert.Empty(outcome.Requests);
            Assert.True(outcome.AllocatedBytes <= FixedAllowanceBytes, $"the parser allocated {outcome.AllocatedBytes} bytes for a {input.Bytes.Length}-byte header; at most {FixedAllowanceBytes}");
        }, input => input.ToString());

        output.WriteLine(summary.ToString());
    }
}
