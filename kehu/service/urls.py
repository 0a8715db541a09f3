from django.urls import path

from kehu.service import urls_rating, views_categories, views_queue, views_ticket

app_name = "service"
urlpatterns = [
    path("tickets/", views_queue.ticket_queue, name="queue"),
    path("tickets/search/", views_queue.ticket_search, name="search"),
    path("tickets/new/", views_queue.ticket_new, name="ticket_new"),
    path("tickets/new/pick/", views_queue.ticket_new_pick, name="ticket_new_pick"),
    path("tickets/<int:pk>/", views_ticket.ticket_detail, name="ticket"),
    *urls_rating.urlpatterns,  # before ticket_act, whose <action> would take "rate"
    path("tickets/<int:pk>/<slug:action>/", views_ticket.ticket_act, name="ticket_act"),
    path("categories/", views_categories.category_list, name="categories"),
    path("categories/new/", views_categories.category_edit, name="category_new"),
    path("categories/<int:pk>/", views_categories.category_edit, name="category_edit"),
]
