using Microsoft.EntityFrameworkCore;

namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>
/// The shop's EF Core context, as an application has it. For the tests only, its tables live in a schema of the test's
/// own (<see cref="ShopSchema"/>, with <see cref="ShopModelCacheKeyFactory"/> keeping one model per schema).
/// </summary>
public sealed class ShopDb(DbContextOptions<ShopDb> options, ShopSchema schema) : DbContext(options)
{
    /// <summary>The schema of this context's tables.</summary>
    public string Schema { get; } = schema.Name;

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<PointsEntry> Points => Set<PointsEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<Customer>(customer =>
        {
            customer.ToTable("customers");
            customer.HasIndex(c => c.Email).IsUnique();
        });
        modelBuilder.Entity<PointsEntry>(entry =>
        {
            entry.ToTable("points");
            entry.HasIndex(e => e.OrderId);
        });
    }
}
