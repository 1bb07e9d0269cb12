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
/// <para>
/// A plain ack can be posted (<see cref="Post"/>) instead of awaited: its consumer goes on with the next delivery at
/// once, and the acks posted while a flush is queued go out together. That is what makes the coalescing reach a worker
/// without a state store, whose few slots would otherwise each wait for their own frame (docs/benchmarks.md, ninth
/// pass). The consumer learns of each posted ack's frame through <see cref="IPostedAckObserver"/>, after it was
/// written or failed, so it can hold its drain until then and report an ack the channel lost.
/// </para>
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
    private readonly IPostedAckObserver? _observer;

    // The posted acks since the last flush took its work, and the list the one flusher hands back for the next one.
    private List<PostedAck> _posted = new();
    private List<PostedAck>? _postedSpare = new();

    // Completed when the flush that takes the current work has been written; made only when someone awaits it.
    private TaskCompletionSource? _pending;
    private bool _work;
    private bool _flushing;
    private long _frames;
    private long _lastFrameAt;

    /// <param name="sink">Where the frames go.</param>
    /// <param name="coalesce">
    /// Off: every awaited settlement is its own frame, sent at once, and posted acks go out one frame each. The worker
    /// coalesces, with or without a state store (until 2026-12-07 it did not without one, when its acks were awaited
    /// and only <c>Concurrency</c> of them could pile up).
    /// </param>
    /// <param name="observer">Told of the frames of posted acks (<see cref="Post"/>); required to post.</param>
    public AckBatcher(IAckSink sink, bool coalesce = true, IPostedAckObserver? observer = null)
    {
        _sink = sink;
        _coalesce = coalesce;
        _direct = !coalesce;
        _observer = observer;
    }



    /// <summary>Frames sent so far (acks, multiple or not, and nacks): for tests and diagnostics.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>When the last frame was handed to the channel (<see cref="Environment.TickCount64"/>, ms); 0 before the first.</summary>
    public long LastFrameAt => Interlocked.Read(ref _lastFrameAt);

    /// <summary>Completes once a frame that acks <paramref name="deliveryTag"/> has been written (throws if the channel is gone).</summary>
    public ValueTask AckAsync(ulong deliveryTag)
    {
        if (_direct)
        {
            Interlocked.Increment(ref _frames);
            Interlocked.Exchange(ref _lastFrameAt, Environment.TickCount64);
            return _sink.AckAsync(deliveryTag, multiple: false);
        }

        lock (_sync)
        {
            _toAck.Add(deliveryTag);
            return new ValueTask(ScheduleLocked(awaited: true)!);
        }
    }

    /// <summary>
    /// Hands a plain ack to the next flush and returns at once. Once the frame that acks it has been written (or has
    /// failed), the observer is told, from the flusher; until then the message counts as unacked.
    /// </summary>
    public void Post(in PostedAck ack)
    {
        if (_observer is null)
        {
            throw new InvalidOperationException("Posting an ack needs an observer: give the AckBatcher one.");
        }

        lock (_sync)
        {
            _toAck.Add(ack.Tag);
            _posted.Add(ack);
            ScheduleLocked(awaited: false);
        }
    }

    /// <summary>Completes once the return (nack or reject, see <see cref="IAckSink.ReturnAsync"/>) of <paramref name="deliveryTag"/> has been written.</summary>
    public ValueTask ReturnAsync(ulong deliveryTag, bool countsAsFailure)
    {
        if (_direct)
        {
            Interlocked.Increment(ref _frames);
            Interlocked.Exchange(ref _lastFrameAt, Environment.TickCount64);
            return _sink.ReturnAsync(deliveryTag, countsAsFailure);
        }

        lock (_sync)
        {
            _toNack.Add((deliveryTag, countsAsFailure));
            return new ValueTask(ScheduleLocked(awaited: true)!);
        }
    }

    private Task? ScheduleLocked(bool awaited)
    {
        _work = true;
        var pending = awaited ? _pending ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        if (!_flushing)
        {
            // Queued rather than run inline: the settlements completing right now (a group commit releases many at
            // once) join this flush before it takes its work.
            _flushing = true;
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.FlushAsync(), this, preferLocal: false);
        }

        return pending?.Task;
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
            TaskCompletionSource? done;
            List<(ulong Tag, bool CountsAsFailure)> nacks;
            List<(ulong Tag, bool Multiple)> acks;
            List<PostedAck> posted;
            lock (_sync)
            {
                if (!_work)
                {
                    _flushing = false;
                    return;
                }

                _work = false;
                done = _pending;
                _pending = null;
                nacks = _toNack.Count == 0 ? NoNacks : new List<(ulong, bool)>(_toNack);
                _toNack.Clear();
                acks = PlanLocked(nacks);
                posted = _posted;
                _posted = _postedSpare ?? new List<PostedAck>();
                _postedSpare = null;
            }

            Exception? error = null;
            try
            {
                foreach (var (tag, countsAsFailure) in nacks)
                {
                    await _sink.ReturnAsync(tag, countsAsFailure).ConfigureAwait(false);
                    Interlocked.Increment(ref _frames);
                    Interlocked.Exchange(ref _lastFrameAt, Environment.TickCount64);
                }

                foreach (var (tag, multiple) in acks)
                {
                    await _sink.AckAsync(tag, multiple).ConfigureAwait(false);
                    Interlocked.Increment(ref _frames);
                    Interlocked.Exchange(ref _lastFrameAt, Environment.TickCount64);
                }

                done?.TrySetResult();
            }
            catch (Exception ex)
            {
                error = ex;
                done?.TrySetException(ex);
            }

            if (posted.Count > 0)
            {
                _observer!.Flushed(posted, error);
                posted.Clear();
            }

            lock (_sync)
            {
                _postedSpare = posted;
            }
        }
    }

    private static readonly List<(ulong Tag, bool CountsAsFailure)> NoNacks = new();

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

/// <summary>A plain ack posted to an <see cref="AckBatcher"/>: its delivery tag, and what its consumer reports should the frame be lost.</summary>
internal readonly record struct PostedAck(ulong Tag, string? TaskId, string TaskName, TaskFlow.Core.StateRecord? Record);

/// <summary>Told by an <see cref="AckBatcher"/>'s flusher what became of the acks posted to it.</summary>
internal interface IPostedAckObserver
{
    /// <summary>
    /// The frames that carry <paramref name="acks"/> have been written (<paramref name="error"/> null), or failed with
    /// <paramref name="error"/> (the channel is gone: the broker hands the messages back; an ack of that flush whose
    /// frame went out before the failing one is reported lost too). Called from the flusher once per flush that took
    /// posted acks, so each posted ack is in exactly one call; <paramref name="acks"/> is reused after the call returns.
    /// Must not throw: the flusher would stop, and with it every ack of the channel.
    /// </summary>
    void Flushed(List<PostedAck> acks, Exception? error);
}
