using System.Buffers;
using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Tests.Fuzz;

/// <summary>What feeding one input to the parser produced.</summary>
internal sealed record FeedOutcome(IReadOnlyList<RespRequest> Requests, int Commands, string? ProtocolError, long Unconsumed, long AllocatedBytes, long Calls);

/// <summary>
/// Feeds bytes to <see cref="RespRequestParser"/> as the connection handler does: the stream arrives
/// read by read, the unconsumed rest stays in the buffer, and every read parses as many commands as
/// are whole. Checks on each call what the handler relies on, and counts what the parser allocates.
/// </summary>
internal static class ParserFeed
{
    public static FeedOutcome Run(RespFuzzInput input, RespCommandTable table, bool keepRequests)
    {
        // Built before counting: the segments and the slices below allocate nothing more.
        var whole = Chain(input.Bytes, input.SegmentSizes);
        var requests = new List<RespRequest>(keepRequests ? input.Bytes.Length / 2 + 1 : 0);
        long consumed = 0;
        long received = 0;
        long calls = 0;
        var commands = 0;
        var read = 0;
        string? error = null;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (received < whole.Length && error is null)
        {
            received = Math.Min(whole.Length, received + input.ReadSizes[read++ % input.ReadSizes.Length]);
            var buffer = whole.Slice(consumed, received - consumed);
            while (true)
            {
                var length = buffer.Length;
                calls++;
                var status = RespRequestParser.TryParse(ref buffer, table, out var request, out var message);
                if (buffer.Length > length)
                {
                    throw new InvalidOperationException("the parser grew the buffer");
                }

                consumed = received - buffer.Length;
                if (status == ParseStatus.NeedMore)
                {
                    break;
                }

                if (status == ParseStatus.ProtocolError)
                {
                    if (message is null || !message.StartsWith("Protocol error: ", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"a protocol error without its message: '{message}'");
                    }

                    error = message;
                    break;
                }

                // A command is never read from nothing: without progress the handler would loop forever.
                if (status != ParseStatus.Command || request is null || buffer.Length == length)
                {
                    throw new InvalidOperationException($"status {status} with request {(request is null ? "null" : request.Name)} and {length - buffer.Length} bytes consumed");
                }

                commands++;
                if (keepRequests)
                {
                    requests.Add(request);
                }
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new FeedOutcome(requests, commands, error, received - consumed, allocated, calls);
    }

    /// <summary>The bytes as a chain of segments of the given sizes (repeated), as a pipe hands them over.</summary>
    private static ReadOnlySequence<byte> Chain(byte[] bytes, int[] sizes)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        var offset = 0;
        for (var i = 0; offset < bytes.Length; i++)
        {
            var size = (int)Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            // Each segment owns a copy, so a read past a segment's end cannot land in the next one's bytes.
            var segment = new Segment(bytes.AsSpan(offset, size).ToArray(), last);
            first ??= segment;
            last = segment;
            offset += size;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
