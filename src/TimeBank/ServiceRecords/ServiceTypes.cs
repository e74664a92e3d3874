namespace TimeBank.ServiceRecords;

/// <summary>A kind of service named in the seed programmes.</summary>
public sealed record ServiceType(string Code, string Name, string NameZh);

public static class ServiceTypes
{
    public static readonly IReadOnlyList<ServiceType> All =
    [
        new("phone-greeting", "Phone greeting", "电话问候"),
        new("home-visit", "Home visit", "上门探访"),
        new("companionship", "Companionship and chat", "陪伴聊天"),
        new("meal-delivery-and-shopping", "Meal delivery and shopping", "助餐送餐、代购"),
        new("safety-check", "Home safety check (gas, water, electricity, fire)", "安全检查"),
        new("emergency-help", "Emergency help", "紧急救助"),
        new("psychological-support", "Psychological support", "精神慰藉、心理疏导"),
        new("health-care", "Health care", "健康照护"),
        new("recreation", "Recreation and culture", "文体娱乐"),
        new("smartphone-help", "Smart-phone help", "智能手机教学"),
        new("rehabilitation-guidance", "Rehabilitation guidance", "康复指导"),
        new("cleaning", "Cleaning", "助洁"),
        new("bathing", "Bathing", "助浴"),
        new("medical-escort", "Medical escort", "陪同就医"),
        new("mobility-help", "Mobility help", "助行"),
        new("other", "Other", "其他")
    ];

    private static readonly HashSet<string> Codes = All.Select(t => t.Code).ToHashSet(StringComparer.Ordinal);

    public static bool IsKnown(string? code) => code is not null && Codes.Contains(code);
}

/// <summary>A field that names a service type: the contract lists the codes.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ServiceTypeCodeAttribute() : Hosting.OneOfAttribute(ServiceTypes.All.Select(t => t.Code).ToArray());
