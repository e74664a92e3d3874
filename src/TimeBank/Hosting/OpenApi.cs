using System.Reflection;
using Microsoft.OpenApi;

namespace TimeBank.Hosting;

public static class OpenApi
{
    public static IServiceCollection AddTimeBankOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "TimeBank",
                Version = "v1",
                Description = "Event-sourced ledger for volunteer time banks (时间银行): service-hour deposits, transfers, " +
                              "redemptions, love-market points (积分) and the audit trail behind every balance. Amounts are whole minutes, " +
                              "or whole points where a field says points. " +
                              "Errors are RFC 9457 problem documents with a stable `type`.",
                License = new OpenApiLicense { Name = "MIT", Url = new Uri("https://opensource.org/licenses/MIT") }
            });
            o.SupportNonNullableReferenceTypes();

            o.MapType<Instant>(() => Text("date-time", "2026-11-24T08:30:00Z", "An instant in UTC (ISO 8601)."));
            o.MapType<Instant?>(() => Text("date-time", "2026-11-24T08:30:00Z", "An instant in UTC (ISO 8601)."));
            o.MapType<LocalDateTime>(() => Text("local-date-time", "2026-11-20T09:00:00", "A local date and time without offset (ISO 8601), read in the given time zone."));
            o.MapType<LocalDate>(() => Text("date", "2026-11-20", "A local date (ISO 8601)."));
            o.MapType<LocalDate?>(() => Text("date", "2026-11-20", "A local date (ISO 8601)."));
            o.MapType<Duration>(() => Text("duration", "7:00:00:00", "A duration as D:hh:mm:ss."));

            o.AddSecurityDefinition(ApiKeyAuthentication.Scheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthentication.Header,
                Description = "An API key issued by POST /api/api-keys (or TIMEBANK_ADMIN_KEY)."
            });
            o.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.Scheme, document)] = []
            });

            var xml = Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetExecutingAssembly().GetName().Name}.xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
            o.CustomSchemaIds(OpenApiContract.SchemaId);
            o.SchemaFilter<RequiredAndEnumSchemas>();
            o.ParameterFilter<EnumParameters>();
            o.OperationFilter<OperationContract>();
            o.DocumentFilter<DocumentContract>();
        });
        return services;
    }

    public static IApplicationBuilder UseTimeBankOpenApi(this IApplicationBuilder app)
    {
        // The server is wherever the document was fetched from.
        app.UseSwagger(o => o.PreSerializeFilters.Add((document, request) =>
            document.Servers = [new OpenApiServer { Url = $"{request.Scheme}://{request.Host}{request.PathBase}", Description = "This TimeBank service" }]));
        app.UseSwaggerUI(o => o.DocumentTitle = "TimeBank API");
        return app;
    }

    private static OpenApiSchema Text(string format, string example, string description) => new()
    {
        Type = JsonSchemaType.String,
        Format = format,
        Examples = [System.Text.Json.Nodes.JsonValue.Create(example)],
        Description = description
    };
}
