using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>EF Core builds a context type's model once; <see cref="ShopDb"/>'s depends on its schema, so the key includes it.</summary>
public sealed class ShopModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        (context.GetType(), context is ShopDb shop ? shop.Schema : null, designTime);
}
