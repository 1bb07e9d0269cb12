namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>A customer of the shop: what the web request writes (and the outbox recipe enqueues a task for).</summary>
public sealed class Customer
{
    public int Id { get; set; }

    public required string Email { get; set; }
}
