using System;
using System.Globalization;
using System.Text;
using System.Threading;

namespace TaskFlow.Benchmarks;

/// <summary>
/// The benchmark task's text argument (<c>--arguments</c>): one run of <c>x</c> for every task, or a pool of different
/// texts of the same length, handed out in turn. Varied texts look like real arguments (an address, an order id, words),
/// so an index over the argument text (the store's trigram index) pays what it pays in production: a run of one letter
/// has about three distinct trigrams, a real argument dozens.
/// </summary>
internal sealed class BenchArguments
{
    /// <summary>Texts in the pool: made before any clock starts, so a timed run allocates none.</summary>
    public const int PoolSize = 4096;

    private static readonly string[] Words =
    [
        "invoice", "refund", "signup", "reminder", "export", "thumbnail", "payment", "welcome", "report", "sync",
        "backup", "receipt", "digest", "upgrade", "trial", "renewal",
    ];

    private readonly string[] _texts;
    private int _next = -1;

    public BenchArguments(int length, bool varied)
    {
        _texts = varied ? Pool(length) : [new string('x', length)];
    }

    /// <summary>How many different texts there are.</summary>
    public int Count => _texts.Length;

    /// <summary>The text at <paramref name="index"/> (modulo <see cref="Count"/>).</summary>
    public string this[int index] => _texts[(int)((uint)index % (uint)_texts.Length)];

    /// <summary>The next text in turn (thread-safe).</summary>
    public string Next() => _texts.Length == 1 ? _texts[0] : this[Interlocked.Increment(ref _next)];

    /// <summary><see cref="PoolSize"/> different texts of exactly <paramref name="length"/> characters, the same on every run (seeded).</summary>
    public static string[] Pool(int length)
    {
        var random = new Random(20261207);
        var texts = new string[PoolSize];
        var text = new StringBuilder(length + 64);
        for (var i = 0; i < texts.Length; i++)
        {
            text.Clear();
            text.Append(CultureInfo.InvariantCulture, $"user{random.Next(100_000)}@example.com order-{random.NextInt64():x16}");
            while (text.Length < length)
            {
                text.Append(' ').Append(Words[random.Next(Words.Length)]).Append(random.Next(1000));
            }

            texts[i] = text.ToString(0, length);
        }

        return texts;
    }
}
