using System.Collections.Concurrent;
using System.Linq;

namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>The welcome emails "sent" (recorded): what the SendWelcomeEmail task does, observable by the tests.</summary>
public sealed class WelcomeEmails
{
    private readonly ConcurrentQueue<int> _sent = new();

    public int[] Sent => _sent.ToArray();

    public void Send(int customerId) => _sent.Enqueue(customerId);

    public int CountFor(int customerId) => _sent.Count(id => id == customerId);
}
