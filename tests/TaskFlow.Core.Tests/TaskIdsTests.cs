using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Shouldly;
using Xunit;

namespace TaskFlow.Core.Tests;

/// <summary>
/// Task ids drawn from a per-thread buffer of secure random bytes: each one a well-formed version 4 UUID (what Celery
/// makes and parses), none repeated across refills and threads, and what is handed out cleared from the buffer.
/// </summary>
public sealed partial class TaskIdsTests
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();

    [Fact]
    public void Every_id_is_a_version_4_uuid_in_the_dashed_form()
    {
        // Past several refills of the buffer (64 ids each), so the bits are set on every slot, not just the first.
        for (var i = 0; i < 1_000; i++)
        {
            var id = TaskIds.New();
            UuidV4().IsMatch(id).ShouldBeTrue(id);
            var parsed = Guid.Parse(id);
            parsed.Version.ShouldBe(4);
            parsed.ToString("D").ShouldBe(id);
        }
    }

    [Fact]
    public async Task Ids_do_not_repeat_across_threads_and_refills()
    {
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var duplicates = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                if (!seen.TryAdd(TaskIds.New(), 0))
                {
                    System.Threading.Interlocked.Increment(ref duplicates);
                }
            }
        })));

        duplicates.ShouldBe(0);
        seen.Count.ShouldBe(100_000);
    }

    [Fact]
    public void What_is_handed_out_is_cleared_from_the_buffer()
    {
        // This thread's buffer, marked used up so that the next id refills it and takes its first slot; read back, that
        // slot is zero and the 63 still to come are random.
        var next = typeof(TaskIds).GetField("t_next", BindingFlags.NonPublic | BindingFlags.Static)!;
        TaskIds.New();
        next.SetValue(null, 64);
        TaskIds.New();
        var buffer = (byte[])typeof(TaskIds).GetField("t_random", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

        ((int)next.GetValue(null)!).ShouldBe(1);
        buffer.AsSpan(0, 16).ToArray().ShouldAllBe(b => b == 0);
        buffer.AsSpan(16).ToArray().Count(b => b != 0).ShouldBeGreaterThan(900); // of 1,008 random bytes, about 4 are zero
    }

    [Fact]
    public void The_random_bits_vary_in_every_position()
    {
        // A slot left zeroed or fixed by a wrong offset would show as a hex digit that never changes.
        var ids = Enumerable.Range(0, 512).Select(_ => TaskIds.New().Replace("-", "", StringComparison.Ordinal)).ToList();
        for (var position = 0; position < 32; position++)
        {
            var distinct = ids.Select(id => id[position]).Distinct().Count();
            if (position == 12)
            {
                distinct.ShouldBe(1, "the version digit"); // always '4'
            }
            else if (position == 16)
            {
                distinct.ShouldBeInRange(2, 4, "the variant digit"); // 8, 9, a or b
            }
            else
            {
                distinct.ShouldBeGreaterThan(8, $"hex digit {position}");
            }
        }
    }
}
