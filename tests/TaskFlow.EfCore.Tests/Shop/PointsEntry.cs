namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>One award of loyalty points for an order: the row the AwardPoints task writes with EF Core.</summary>
public sealed class PointsEntry
{
    public long Id { get; set; }

    public int CustomerId { get; set; }

    public long OrderId { get; set; }

    public int Points { get; set; }
}
