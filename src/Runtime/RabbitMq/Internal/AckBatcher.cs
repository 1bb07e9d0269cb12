using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace TaskFlow.RabbitMq.Internal;

/// <summary>
/// Coalesces the acks of one channel: settlements that arrive while a flush is pending go out together, and a run of
/// consecutive delivery tags that are all settled becomes one <c>basic.ack</c> with <c>multiple</c> set, instead of a
/// frame per message (the broker's and this process's cost per message roughly halve, docs/benchmarks.md).
/// <para>
/// Safety does not rest on timing: a multiple ack up to tag T is sent only when every tag above the last acked run and
/// up to T was settled by this consumer (acked, or nacked in an earlier frame). A tag never seen here (still in its
/// handler, or never settled) stops the run, and acks above it go out one by one. So a multiple ack can never settle a
/// message that is still running or that is to be handed back. Tags are per channel and consecutive from 1, also across
/// automatic recovery (RabbitMQ.Client offsets them and drops stale ones); a channel whose tags do not start at 1 only
/// loses the coalescing.
/// </para>
/// Returns (nacks and rejects) are sent before the acks of the same flush, each on its own.
/// </summary>
internal sealed class AckBatcher
{
    /// <summary>Settled tags kept above a gap before giving up on coalescing for this channel (a leak guard).</summary>
    internal const int MaxSettledAboveGap = 100_000;

    private readonly IAckSink _sink;
    private readonly object _sync = new();
    private readonly HashSet<ulong> _toAck = new();
    private readonly List<(ulong Tag, bool CountsAsFailure)> _toNack = new();

    // Tags above _settledUpTo that were settled in an earlier frame (nacked, or acked one by one above a gap).
    private readonly HashSet<ulong> _settled = new();
    private ulong _settledUpTo;
    private bool _coalesce = true;
    private readonly bool _direct;
    private TaskCompletionSource? _pending;
    private bool _flushing;
    private long _frames;

    /// <param name="sink">Where the frames go.</param>
    /// <param name="coalesce">
    /// Off: every settlement is its own frame, sent at once (the worker does this without a state store: at most
    /// <c>Concurrency</c> messages are in flight, so there is little to coalesce and the flush would only add a hop).
    /// </param>
    public AckBatcher(IAckSink sink, bool coalesce = true)
    {
        _sink = sink;
        _coalesce = coalesce;
        _direct = !coalesce;
    }



    /// <summary>Frames sent so far (acks, multiple or not, and nacks): for tests and diagnostics.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Completes once a frame that acks <paramref name="deliveryTag"/> has been written (throws if the channel is gone).</summary>
    public ValueTask AckAsync(ulong deliveryTag)
    {
        if (_direct)
        {
            Interlocked.Increment(ref _frames);
            return _sink.AckAsync(deliveryTag, multiple: false);
        }

        lock (_sync)
        {
            _toAck.Add(deliveryTag);
            return new ValueTask(ScheduleLocked());
        }
    }

    /// <summary>Completes once the return (nack or reject, see <see cref="IAckSink.ReturnAsync"/>) of <paramref name="deliveryTag"/> has been written.</summary>
    public ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure)
    {
        if (_direct)
        {
            Interlocked.Increment(ref _frames);
            return _sink.ReturnAsync(deliveryTag, countsAsFailure);
        }

        lock (_sync)
        {
            _toNack.Add((deliveryTag, countsAsFailure));
            return new ValueTask(ScheduleLocked());
        }
    }

    private Task ScheduleLocked()
    {
        var pending = _pending ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_flushing)
        {
            // Queued rather than run inline: the settlements completing right now (a group commit releases many at
            // once) join this flush before it takes its work.
            _flushing = true;
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.FlushAsync(), this, preferLocal: false);
        }

        return pending.Task;
    }

    /// <summary>
    /// The one flusher of this channel: plans and sends a flush, then takes what arrived meanwhile, until nothing is
    /// left. One flusher keeps the frames in the order they were planned (a nack before a multiple ack that counts
    /// it as settled).
    /// </summary>
    private async Task FlushAsync()
    {
        while (true)
        {
            TaskCompletionSource done;
            List<(ulong Tag, bool CountsAsFailure)> nacks;
            List<(ulong Tag, bool Multiple)> acks;
            lock (_sync)
            {
                if (_pending is null)
                {
                    _flushing = false;
                    return;
                }

                done = _pending;
                _pending = null;
                nacks = new List<(ulong, bool)>(_toNack);
                _toNack.Clear();
                acks = PlanLocked(nacks);
            }

            try
            {
                foreach (var (tag, countsAsFailure) in nacks)
                {
                    await _sink.ReturnAsync(tag, countsAsFailure).ConfigureAwait(false);
                    Interlocked.Increment(ref _frames);
                }

                foreach (var (tag, multiple) in acks)
                {
                    await _sink.AckAsync(tag, multiple).ConfigureAwait(false);
                    Interlocked.Increment(ref _frames);
                }

                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }
    }

    /// <summary>Decides the frames of one flush; the nacks are sent first, so their tags count as settled.</summary>
    private List<(ulong Tag, bool Multiple)> PlanLocked(List<(ulong Tag, bool CountsAsFailure)> nacks)
    {
        var frames = new List<(ulong, bool)>();
        if (!_coalesce)
        {
            foreach (var tag in _toAck)
            {
                frames.Add((tag, false));
            }

            _toAck.Clear();
            return frames;
        }

        foreach (var (tag, _) in nacks)
        {
            if (tag > _settledUpTo)
            {
                _settled.Add(tag);
            }
        }

        // The run of consecutive settled tags just above the last acked one: one multiple ack covers it.
        var upTo = _settledUpTo;
        ulong highestAck = 0;
        var acksInRun = 0;
        while (true)
        {
            var next = upTo + 1;
            if (_toAck.Remove(next))
            {
                highestAck = next;
                acksInRun++;
            }
            else if (!_settled.Remove(next))
            {
                break;
            }

            upTo = next;
        }

        if (acksInRun > 0)
        {
            frames.Add((highestAck, acksInRun > 1));
        }

        _settledUpTo = upTo;

        // Above a gap (a lower tag still running): one by one, in any order, remembered as settled so the run can
        // pass them later.
        foreach (var tag in _toAck)
        {
            frames.Add((tag, false));
            if (tag > _settledUpTo)
            {
                _settled.Add(tag);
            }
        }

        _toAck.Clear();
        if (_settled.Count > MaxSettledAboveGap)
        {
            // A tag below them was never settled here: stop coalescing on this channel rather than grow without bound.
            _coalesce = false;
            _settled.Clear();
        }

        return frames;
    }
}
