"""ML in Django admin: jobs and models are read-only (workers write them; admins act through the
same services as the API: cancel, activate); retraining schedules are edited through the service,
which keeps their beat rows in step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from config.admin_readonly import ReadOnlyAdmin
from mlops.models import MLModel, RetrainingSchedule, TrainingJob
from mlops.services.errors import MLConflict
from mlops.services.registry import model_activate
from mlops.services.schedules import EDITABLE, schedule_check, schedule_delete, schedule_save
from mlops.services.training import training_job_cancel


@admin.register(TrainingJob)
class TrainingJobAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "model_type",
        "algorithm",
        "data_source",
        "status",
        "progress",
        "created_by",
    )
    list_filter = ("status", "model_type", "algorithm")
    search_fields = ("id", "data_source")
    actions = ("cancel",)

    @admin.action(description="Cancel (queued at once, running at its next step)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[TrainingJob]) -> None:
        for job in queryset:
            try:
                training_job_cancel(job=job, actor=request.user, request=request)
            except MLConflict as exc:
                self.message_user(request, f"{job}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"{job}: cancel requested", messages.SUCCESS)


@admin.register(MLModel)
class MLModelAdmin(ReadOnlyAdmin):
    list_display = (
        "model_type",
        "version",
        "algorithm",
        "is_active",
        "accuracy",
        "activated_at",
        "created_at",
    )
    list_filter = ("model_type", "is_active", "algorithm")
    actions = ("activate",)

    @admin.display(description="Accuracy")
    def accuracy(self, model: MLModel) -> Any:
        return (model.metrics or {}).get("accuracy", "-")

    @admin.action(description="Activate (checks the artifact's checksum)")
    def activate(self, request: HttpRequest, queryset: QuerySet[MLModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model to activate.", messages.WARNING)
            return
        model = queryset.get()
        try:
            model_activate(model=model, actor=request.user, request=request)
        except MLConflict as exc:
            self.message_user(request, f"{model}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, f"{model} is now active.", messages.SUCCESS)


class RetrainingScheduleForm(forms.ModelForm):
    """The service's checks (cron, time zone, metric, params) as the form's field errors."""

    class Meta:
        model = RetrainingSchedule
        fields = EDITABLE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        probe = RetrainingSchedule(**{name: value for name, value in cleaned.items() if name in EDITABLE})
        try:
            schedule_check(probe)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(RetrainingSchedule)
class RetrainingScheduleAdmin(admin.ModelAdmin):
    form = RetrainingScheduleForm
    list_display = ("name", "model_type", "algorithm", "cron", "timezone", "auto_activate", "enabled")
    list_filter = ("model_type", "enabled", "auto_activate")
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at")

    def save_model(
        self, request: HttpRequest, obj: RetrainingSchedule, form: ModelForm, change: bool
    ) -> None:
        values = {name: form.cleaned_data[name] for name in EDITABLE if name in form.cleaned_data}
        existing = RetrainingSchedule.objects.get(pk=obj.pk) if change else None
        # Saved through the service (the form checked the same rules): beat row and audit entry.
        saved = schedule_save(actor=request.user, values=values, schedule=existing, request=request)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RetrainingSchedule) -> None:
        schedule_delete(actor=request.user, schedule=obj, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RetrainingSchedule]) -> None:
        for schedule in queryset:
            schedule_delete(actor=request.user, schedule=schedule, request=request)
